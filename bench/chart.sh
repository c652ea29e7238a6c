#!/bin/bash
# chart.sh: build time and index size against corpus size, one command.
#
#   bench/chart.sh [--build DIR] [--corpus FILE] [--scales 1,10,50] [--jobs 1,N]
#                  [--mem SIZE] [--repeat N] [--workdir DIR] [--peers FILE]
#                  [--results FILE] [--reuse] [--out FILE.svg]
#
# 1. makes the replicated corpora CORPUS x K for each K of --scales with
#    bench/replicate.py (ids "<id>-<k>"), in --workdir, unless already there;
# 2. runs `nbench index` on each (thread counts --jobs, default 1 and all
#    cores) and appends its JSON lines to --results (default
#    WORKDIR/index_results.jsonl); --reuse skips this step and charts the
#    results file as it is;
# 3. charts seconds and index bytes against input MB with gnuplot (Debian:
#    gnuplot-nox) into --out (default bench/chart_index.svg), with the
#    peers' lines ("bench":"index" from bench/peers/peers.py) when --peers
#    names their results files (repeat --peers for several; a file name
#    without spaces); a --out ending in .png gives a PNG instead.
#
# Defaults: --build build, --corpus ../shared/corpora/reuters21578.jsonl
# (skipped with a message when absent), --workdir /tmp/nsearch-bench.
# Exit status: 0 ok, 2 usage, 3 corpus or tool missing, 4 a benchmark failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build="$root/build"
corpus="$root/../shared/corpora/reuters21578.jsonl"
scales="1,10,50"
jobs=""
mem=""
repeat=1
workdir=/tmp/nsearch-bench
peers=""
results=""
reuse=0
out="$here/chart_index.svg"

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --scales) scales=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --peers) peers="${peers:+$peers }$2"; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --reuse) reuse=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "chart.sh: unknown argument '$1'" >&2; echo "Try 'bench/chart.sh --help'." >&2; exit 2 ;;
    esac
done
mkdir -p "$workdir" "$(dirname "$out")"
[ -n "$results" ] || results="$workdir/index_results.jsonl"

if [ "$reuse" = 0 ]; then
    if [ ! -f "$corpus" ]; then
        echo "chart.sh: corpus '$corpus' not found: skipped" >&2
        exit 0
    fi
    [ -x "$build/nbench" ] || { echo "chart.sh: no '$build/nbench': build first (cmake --build $build)" >&2; exit 3; }
    name=$(basename "$corpus" .jsonl)
    files=()
    for k in ${scales//,/ }; do
        f="$workdir/$name-x$k.jsonl"
        if [ ! -s "$f" ]; then
            echo "chart.sh: making $f" >&2
            /usr/bin/python3 "$here/replicate.py" "$corpus" "$k" > "$f.part" && mv "$f.part" "$f"
        fi
        files+=("$f")
    done
    args=(index --workdir "$workdir" --repeat "$repeat")
    [ -n "$jobs" ] && args+=(-j "$jobs")
    [ -n "$mem" ] && args+=(--mem "$mem")
    "$build/nbench" "${args[@]}" "${files[@]}" >> "$results" || exit 4
fi

command -v gnuplot > /dev/null || { echo "chart.sh: gnuplot not found (Debian: apt-get install gnuplot-nox)" >&2; exit 3; }
[ -f "$results" ] || { echo "chart.sh: no results in '$results'" >&2; exit 3; }

# JSON lines -> one gnuplot data block per series: "engine -jN" or the peer's name.
data="$workdir/index_chart.dat"
/usr/bin/python3 - "$results" $peers > "$data" <<'EOF'
import json, sys
series = {}
for path in sys.argv[1:]:
    if not path:
        continue
    try:
        lines = open(path).read().splitlines()
    except OSError:
        continue
    for line in lines:
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("bench") != "index" or "seconds" not in r or "input_bytes" not in r:
            continue
        eng = r.get("engine", "?")
        name = f"nsearch -j{r['threads']}" if eng == "nsearch" else eng
        # the latest measurement of each (series, corpus size) wins
        series.setdefault(name, {})[r["input_bytes"]] = (r["seconds"], r.get("index_bytes", 0))
for name in sorted(series):
    print(f'"{name}"')
    for size in sorted(series[name]):
        s, b = series[name][size]
        print(f"{size / 1e6:.3f} {s:.3f} {b / 1e6:.3f}")
    print("\n")
EOF
n_series=$(grep -c '^"' "$data" || true)
[ "$n_series" -gt 0 ] || { echo "chart.sh: nothing to chart in '$results'" >&2; exit 3; }

case "$out" in
*.png) term='pngcairo size 1100,480 font "sans,11" background rgb "white"' ;;
*) term='svg size 1100,480 dynamic font "sans,12" background rgb "white"' ;;
esac
gnuplot <<EOF
set terminal $term
set output "$out"
set multiplot layout 1,2 title "nsearch indexing: Reuters-21578 replicated (input JSON Lines)"
set key top left
set grid
set xlabel "input size (MB)"
set ylabel "build time (s)"
set title "build time"
plot for [i=0:$((n_series - 1))] "$data" index i using 1:2 with linespoints lw 2 pt 7 title columnheader(1)
set ylabel "index size (MB)"
set title "index size (all files)"
plot for [i=0:$((n_series - 1))] "$data" index i using 1:3 with linespoints lw 2 pt 7 title columnheader(1)
unset multiplot
EOF
echo "chart.sh: wrote $out (from $results${peers:+ and $peers})" >&2
