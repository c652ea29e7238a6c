#!/bin/sh
# scale: the figures of docs/SCALING.md on this machine: a corpus built as
# one index and as sets of 1, 2 and 4 shards by nindex-mpi (time and peak
# memory per rank), and query latency over each (in process through
# libnsearch, nbench set; and over MPI, nsearch-mpi --timing, batches of 1
# and of 64).  Shard counts alternate within each round, so that the
# machine's drift falls on all of them alike.
#
#   bench/scale.sh BUILD CORPUS QUERIES OUT [ROUNDS]
#
# BUILD: the build directory (nindex, nindex-mpi, nsearch-mpi, nbench);
# CORPUS: the input (e.g. bench/replicate.py reuters21578.jsonl 50);
# QUERIES: 'qid<TAB>text' lines; OUT: a scratch directory (the indexes:
# about twice the corpus's size on disk); ROUNDS: latency rounds (default
# 2).  Prints one line per measurement ("build ...", "latency ...") on
# stdout.  Needs mpiexec and GNU time (/usr/bin/time).
# Exit status: 0, 2 usage error, 3 a program missing, 4 a step failed.
set -eu
if [ $# -lt 4 ]; then
    echo "usage: bench/scale.sh BUILD CORPUS QUERIES OUT [ROUNDS]" >&2
    exit 2
fi
build="$1" corpus="$2" queries="$3" out="$4" rounds="${5:-2}"
for p in nindex nindex-mpi nsearch-mpi nbench; do
    [ -x "$build/$p" ] || { echo "scale: no $build/$p (configure with MPI found)" >&2; exit 3; }
done
command -v mpiexec >/dev/null || { echo "scale: no mpiexec" >&2; exit 3; }
[ -x /usr/bin/time ] || { echo "scale: no /usr/bin/time (Debian package time)" >&2; exit 3; }
[ -r "$corpus" ] && [ -r "$queries" ] || { echo "scale: cannot read $corpus or $queries" >&2; exit 2; }
mkdir -p "$out"
now() { date +%s.%N; }
fail() { echo "scale: $*" >&2; exit 4; }
# GNU time's "%e %M" lines of a run: "wall_s max_rss_kb"
TIMEF="rank-time %e %M"

# builds: one index (-j1), then sets of 1, 2, 4 (one rank each, -j1)
rm -rf "$out/single"
t0=$(now)
/usr/bin/time -f "$TIMEF" "$build/nindex" -q -j1 -o "$out/single" "$corpus" 2>"$out/single.time" ||
    fail "nindex failed: $(cat "$out/single.time")"
t1=$(now)
set -- $(grep '^rank-time' "$out/single.time")
echo "build single wall_s=$(echo "$t1 - $t0" | bc) max_rss_mb=$(($3 / 1024)) disk_mb=$(($(du -sk "$out/single" | cut -f1) / 1024))"
for r in 1 2 4; do
    rm -rf "$out/set$r"
    t0=$(now)
    rm -f "$out/set$r".time.*
    # each rank's GNU time to its own file (PMI_RANK: set by MPICH's and
    # Open MPI's launchers for every process)
    mpiexec -n "$r" sh -c '/usr/bin/time -f "$0" -o "$1.${PMI_RANK:-${OMPI_COMM_WORLD_RANK:-0}}" "$2" -q -j1 -o "$3" "$4"' \
        "$TIMEF" "$out/set$r.time" "$build/nindex-mpi" "$out/set$r" "$corpus" 2>"$out/set$r.err" ||
        fail "nindex-mpi -n $r failed: $(cat "$out/set$r.err")"
    t1=$(now)
    rss=$(cat "$out/set$r".time.* | grep '^rank-time' | awk '{ if ($3 > m) m = $3 } END { print int(m / 1024) }')
    rank_s=$(cat "$out/set$r".time.* | grep '^rank-time' | awk '{ if ($2 > m) m = $2 } END { print m }')
    disk=""
    i=0
    while [ "$i" -lt "$r" ]; do
        disk="$disk$(($(du -sk "$out/set$r/$i" | cut -f1) / 1024)),"
        i=$((i + 1))
    done
    echo "build set$r ranks=$r wall_s=$(echo "$t1 - $t0" | bc) slowest_rank_s=$rank_s max_rss_mb_per_rank=$rss disk_mb_per_shard=${disk%,}"
done

# latency, rounds x (single, set1, set2, set4), in process and over MPI
dirs() { # R: the -i list of set R
    i=0
    while [ "$i" -lt "$1" ]; do
        printf -- '-i %s/set%s/%s ' "$out" "$1" "$i"
        i=$((i + 1))
    done
}
round=1
[ "${SCALE_SKIP_LATENCY:-}" = 1 ] && rounds=0
while [ "$round" -le "$rounds" ]; do
    # shellcheck disable=SC2046
    "$build/nbench" set -i "$out/single" -q "$queries" --repeat 3 --label single 2>&1 >/dev/null |
        sed "s/^/latency round=$round inproc single: /"
    for r in 1 2 4; do
        # shellcheck disable=SC2046
        "$build/nbench" set $(dirs "$r") -q "$queries" --repeat 3 --label "set$r" 2>&1 >/dev/null |
            sed "s/^/latency round=$round inproc set$r: /"
    done
    for r in 1 2 4; do
        for b in 1 64; do
            mpiexec -n "$r" "$build/nsearch-mpi" -i "$out/set$r" --queries "$queries" --format trec \
                --batch "$b" --timing 2>&1 >/dev/null | grep 'timing:' |
                sed "s/^/latency round=$round mpi set$r batch=$b: /"
        done
    done
    round=$((round + 1))
done
