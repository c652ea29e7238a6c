#!/bin/sh
# Query latency of nsearch, SQLite FTS5, Xapian and Lucene 8 on the same
# corpus and query log, in one run, and the ratios (peer p50 / nsearch p50,
# etc.), per query kind.
#   bench/compare.sh [--kinds LIST] CORPUS.jsonl [QUERIES.tsv|-] [WORKDIR] [BUILD_DIR]
# Top 10, OR and AND; nsearch with its default algorithm.  Peers that are
# not installed are skipped (bench/peers/README.md); so is nsearch when
# BUILD_DIR has no nbench.  JSON lines of every measurement, each with its
# "kind", go to WORKDIR/compare.jsonl; the table to stdout.
#
# Query kinds (bench/gen_queries.py --kind): term, phrase, exclusion, prefix,
# mixed.  --kinds LIST (comma-separated) times each kind on its own log:
#   - QUERIES given: its queries of each kind as bench/peers/peers.py reads
#     them (bench/corpus_io.py's query_kind()); "mixed" is the whole file;
#   - QUERIES "-" or absent: WORKDIR/queries-KIND-nN.tsv, written by
#     bench/gen_queries.py --kind KIND -n N from GEN_CORPUS (default CORPUS;
#     e.g. the x1 corpus for an x10 run, as the README's figures) when absent.
# Without --kinds, QUERIES (required) is one log labelled by its kind (term
# for today's logs, mixed when it holds several kinds).
# Environment: N (queries per generated log, default 1000), LIMIT (only the
# first LIMIT queries of each log, default all), PASSES (timed passes,
# default 3), ENGINES (peers, default fts5,xapian,lucene).
#
# nsearch has three rows per kind and mode:
#   nsearch rank      parse + rank: the top k as (doc number, score) in memory
#   nsearch e2e trec  rank, then nsearch's rendering of a TREC run: each hit's
#                     stored id fetched from the docstore and formatted
#   nsearch e2e json  rank, then the JSON lines nsearch prints: id, title,
#                     date, url fetched, body passage and highlights made
# (nbench query --e2e: the output is built in memory and never written.)
# FTS5's and Xapian's figures are comparable with "nsearch rank": FTS5's
# query (SELECT rowid, bm25(t) ... LIMIT k) and Xapian's get_mset() return the
# internal row/doc number and the score; neither reads the stored id column
# (FTS5's UNINDEXED id, Xapian's document data) nor any text, and no
# snippet is made (FTS5's snippet()/highlight() are not called).  Both
# include the Python driver's few microseconds per query.  Lucene has two
# rows: "lucene rank" (QueryParser.parse + IndexSearcher.search: comparable
# with "nsearch rank") and "lucene +ids" (then each hit's stored id loaded,
# IndexSearcher.doc: comparable with "nsearch e2e trec").
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: compare.sh [--kinds term,phrase,exclusion,prefix,mixed] CORPUS [QUERIES|-] [WORKDIR] [BUILD_DIR]"
kinds=
if [ "${1:-}" = "--kinds" ]; then
    kinds=${2:?$usage}
    shift 2
fi
corpus=${1:?$usage}
queries=${2:-}
work=${3:-/tmp/nsearch-compare}
build=${4:-$root/build}
n=${N:-1000}
limit=${LIMIT:-0}
passes=${PASSES:-3}
engines=${ENGINES:-fts5,xapian,lucene}
py=/usr/bin/python3
for k in $(echo "$kinds" | tr ',' ' '); do
    case $k in term|phrase|exclusion|prefix|mixed) ;; *) echo "compare: unknown kind '$k'" >&2; exit 2 ;; esac
done
if [ -z "$kinds" ] && { [ -z "$queries" ] || [ "$queries" = "-" ]; }; then
    echo "$usage" >&2
    exit 2
fi
if [ ! -f "$corpus" ] || { [ -n "$queries" ] && [ "$queries" != "-" ] && [ ! -f "$queries" ]; }; then
    echo "compare: '$corpus' or '$queries' is missing: skipped" >&2
    exit 0
fi
mkdir -p "$work"
label=$(basename "$corpus" .jsonl)
out="$work/compare.jsonl"
: >"$out"

# The logs: "kind file" lines.
groups="$work/groups.txt"
: >"$groups"
if [ -z "$kinds" ]; then
    k=$(PYTHONPATH="$root/bench/peers" $py -c '
import sys, peers
ks = {q.kind for q in peers.read_queries(sys.argv[1], 0)}
print(ks.pop() if len(ks) == 1 else "mixed")' "$queries")
    echo "$k $queries" >>"$groups"
else
    for k in $(echo "$kinds" | tr ',' ' '); do
        if [ -n "$queries" ] && [ "$queries" != "-" ]; then
            f="$work/queries-$k.split.tsv"
            # Each query's kind as peers.py reads it (a log of plain words,
            # Cranfield's, is all term).
            PYTHONPATH="$root/bench/peers" $py -c '
import sys, peers
kind = sys.argv[2]
kinds = {q.qid: q.kind for q in peers.read_queries(sys.argv[1], 0)}
with open(sys.argv[3], "w", encoding="utf-8") as out:
    for n, l in enumerate(open(sys.argv[1], encoding="utf-8", errors="replace"), 1):
        qid, tab, _ = l.partition("\t")
        if kind == "mixed" or kinds.get(qid if tab else str(n)) == kind:
            out.write(l)' "$queries" "$k" "$f"
        else
            f="$work/queries-$k-n$n.tsv"
            if [ ! -s "$f" ]; then
                echo "compare: writing $f" >&2
                "$root/bench/gen_queries.py" "${GEN_CORPUS:-$corpus}" --kind "$k" -n "$n" >"$f.tmp"
                mv "$f.tmp" "$f"
            fi
        fi
        if [ -s "$f" ]; then
            echo "$k $f" >>"$groups"
        else
            echo "compare: no $k query in '$queries': skipped" >&2
        fi
    done
fi

# Appends stdin's JSON lines to $out with "kind": $1 when they have none.
tag() {
    $py -c '
import json, sys
for l in sys.stdin:
    if l.startswith("{"):
        r = json.loads(l)
        r.setdefault("kind", sys.argv[1])
        print(json.dumps(r))' "$1" >>"$out"
}

lim=
[ "$limit" -gt 0 ] && lim="--limit $limit"
have_ns=1
if [ ! -x "$build/nbench" ] || [ ! -x "$build/nindex" ]; then
    echo "compare: no nbench/nindex in '$build': nsearch skipped" >&2
    have_ns=0
fi
if [ $have_ns = 1 ] && [ ! -d "$work/nsearch-$label" ]; then
    "$build/nindex" -q -o "$work/nsearch-$label" "$corpus"
fi
while read -r k f; do
    if [ $have_ns = 1 ]; then
        # shellcheck disable=SC2086
        "$build/nbench" query -i "$work/nsearch-$label" -q "$f" -k 10 --label "$label" $lim \
            --algos maxscore --warmup 2 --repeat "$passes" | tag "$k"
        # shellcheck disable=SC2086
        "$build/nbench" query -i "$work/nsearch-$label" -q "$f" -k 10 --label "$label" $lim \
            --e2e trec,json --warmup 2 --repeat "$passes" | tag "$k"
    fi
    # shellcheck disable=SC2086
    $py "$root/bench/peers/peers.py" query --corpus "$corpus" --queries "$f" --kinds "$k" \
        --engines "$engines" --workdir "$work/peers" --k 10 --passes "$passes" $lim | tag "$k" || true
done <"$groups"

$py - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
q = [r for r in rows if r.get("bench") in ("query", "e2e") and r.get("k") == 10]
for r in list(q):
    if r.get("engine") == "nsearch":
        r["engine"] = "nsearch e2e " + r["format"] if r["bench"] == "e2e" else "nsearch rank"
    elif r.get("engine") == "lucene" and "rank_p50_us" in r:
        # Two rows: parse + search ("lucene rank", as "nsearch rank"), and
        # with each hit's stored id loaded ("lucene +ids", as "e2e trec").
        q.append(dict(r, engine="lucene rank", p50_us=r["rank_p50_us"], p99_us=r["rank_p99_us"], qps=None))
        r["engine"] = "lucene +ids"
ns = {(r["kind"], r["mode"]): r for r in q if r.get("engine") == "nsearch rank"}
order = {"nsearch rank": 0, "nsearch e2e trec": 1, "nsearch e2e json": 2}
kinds = {"term": 0, "phrase": 1, "exclusion": 2, "prefix": 3, "mixed": 4}
# ratios: each row over "nsearch rank" of the same kind and mode
print("%-9s %-17s %-4s %7s %10s %10s %10s %10s %10s" % ("kind", "engine", "mode", "queries", "p50 us",
      "p99 us", "QPS", "p50 ratio", "p99 ratio"))
for r in sorted(q, key=lambda r: (kinds.get(r["kind"], 9), r["kind"], r["mode"],
                                  order.get(r.get("engine"), 3), r.get("engine", ""))):
    base = ns.get((r["kind"], r["mode"]))
    def ratio(key):
        if not base or not base[key]:
            return "-"
        x = r[key] / base[key]
        return ("%.1fx" if x >= 1 else "%.2fx") % x
    qps = "%.0f" % r["qps"] if r.get("qps") else "-"
    print("%-9s %-17s %-4s %7d %10.1f %10.1f %10s %10s %10s" % (r["kind"], r.get("engine"), r["mode"],
          r.get("queries", 0), r["p50_us"], r["p99_us"], qps, ratio("p50_us"), ratio("p99_us")))
PY
