#!/bin/sh
# Query latency of nsearch, SQLite FTS5 and Xapian on the same corpus and
# query log, in one run, and the ratios (peer p50 / nsearch p50, etc.).
#   bench/compare.sh CORPUS.jsonl QUERIES.tsv [WORKDIR] [BUILD_DIR]
# Top 10, OR and AND; nsearch with its default algorithm.  Peers that are
# not installed are skipped (bench/peers/README.md).  JSON lines of every
# measurement go to WORKDIR/compare.jsonl; the table to stdout.
#
# nsearch has three rows per mode:
#   nsearch rank      parse + rank: the top k as (doc number, score) in memory
#   nsearch e2e trec  rank, then nsearch's rendering of a TREC run: each hit's
#                     stored id fetched from the docstore and formatted
#   nsearch e2e json  rank, then the JSON lines nsearch prints: id, title,
#                     date, url fetched, body passage and highlights made
# (nbench query --e2e: the output is built in memory and never written.)
# The peers' figures are comparable with "nsearch rank" only: FTS5's query
# (SELECT rowid, bm25(t) ... LIMIT k) and Xapian's get_mset() return the
# internal row/doc number and the score; neither reads the stored id column
# (FTS5's UNINDEXED id, Xapian's document data) nor any text, and no
# snippet is made (FTS5's snippet()/highlight() are not called).  Both
# include the Python driver's few microseconds per query.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:?usage: compare.sh CORPUS QUERIES [WORKDIR] [BUILD_DIR]}
queries=${2:?usage: compare.sh CORPUS QUERIES [WORKDIR] [BUILD_DIR]}
work=${3:-/tmp/nsearch-compare}
build=${4:-$root/build}
if [ ! -f "$corpus" ] || [ ! -f "$queries" ]; then
    echo "compare: '$corpus' or '$queries' is missing: skipped" >&2
    exit 0
fi
mkdir -p "$work"
label=$(basename "$corpus" .jsonl)
out="$work/compare.jsonl"
: >"$out"
[ -d "$work/nsearch-$label" ] || "$build/nindex" -q -o "$work/nsearch-$label" "$corpus"
"$build/nbench" query -i "$work/nsearch-$label" -q "$queries" -k 10 --label "$label" \
    --algos maxscore --warmup 2 --repeat 3 >>"$out"
"$build/nbench" query -i "$work/nsearch-$label" -q "$queries" -k 10 --label "$label" \
    --e2e trec,json --warmup 2 --repeat 3 >>"$out"
/usr/bin/python3 "$root/bench/peers/peers.py" query --corpus "$corpus" --queries "$queries" \
    --workdir "$work/peers" --k 10 --passes 3 >>"$out" || true
/usr/bin/python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
q = [r for r in rows if r.get("bench") in ("query", "e2e") and r.get("k") == 10]
for r in q:
    if r.get("engine") == "nsearch":
        r["engine"] = "nsearch e2e " + r["format"] if r["bench"] == "e2e" else "nsearch rank"
ns = {r["mode"]: r for r in q if r.get("engine") == "nsearch rank"}
order = {"nsearch rank": 0, "nsearch e2e trec": 1, "nsearch e2e json": 2}
# ratios: each row over "nsearch rank" of the same mode
print("%-17s %-4s %10s %10s %12s %12s" % ("engine", "mode", "p50 us", "p99 us", "p50 ratio", "p99 ratio"))
for r in sorted(q, key=lambda r: (r["mode"], order.get(r.get("engine"), 3), r.get("engine", ""))):
    base = ns.get(r["mode"])
    ratio = lambda key: "%.1fx" % (r[key] / base[key]) if base and base[key] else "-"
    print("%-17s %-4s %10.1f %10.1f %12s %12s" % (r.get("engine"), r["mode"], r["p50_us"],
          r["p99_us"], ratio("p50_us"), ratio("p99_us")))
PY
