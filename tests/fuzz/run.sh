#!/bin/sh
# Builds build-fuzz/ (clang, libFuzzer + ASan + UBSan) if needed and runs
# each fuzzer for SECONDS (default 30), FUZZ_PAR at a time, over its seed
# corpus tests/fuzz/corpus/<surface>/.  New inputs go to a scratch copy, not
# the committed corpus; crash inputs go to build-fuzz/artifacts/<surface>/.
# Exit status 1 when any fuzzer failed (crash, leak, timeout, OOM, broken
# property).
#   tests/fuzz/run.sh [SECONDS] [SURFACE...]
#   FUZZ_JOBS=N          cmake build parallelism (default 2)
#   FUZZ_SEED=N          libFuzzer's random seed (default: a new one each run);
#                        CI fixes it, so that its run is a prefix of a local run
#                        with the same seed and a longer time
#   FUZZ_ARGS="..."      extra libFuzzer flags
#   FUZZ_PAR=N           fuzzers run at a time (default: the cores)
set -eu
cd "$(dirname "$0")/../.."
secs="${1:-30}"
[ $# -gt 0 ] && shift
surfaces="${*:-json jsonl text analyzer index query}"
bdir=build-fuzz
if [ ! -f "$bdir/CMakeCache.txt" ]; then
    cmake -S . -B "$bdir" -DCMAKE_C_COMPILER=clang -DNS_FUZZ=ON -DNS_WERROR=ON >/dev/null
fi
cmake --build "$bdir" -j"${FUZZ_JOBS:-2}"

# The harnesses write their scratch files under $TMPDIR: a tmpfs makes the
# index builds' fsyncs free (10x more executions per second).
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TMPDIR=/dev/shm
    export TMPDIR
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/nsfuzz-run-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# FUZZ_PAR fuzzers at a time (default: the cores), each on its own core;
# each one's time and seed are its own, so running them side by side
# explores what running them in turn does
par="${FUZZ_PAR:-$(nproc)}"
run_one() { # SURFACE: its exit status in $work/SURFACE.rc
    mkdir -p "$work/$1" "$bdir/artifacts/$1"
    echo "run.sh: fuzz_$1 for ${secs}s" >&2
    rc=0
    # shellcheck disable=SC2086
    "$bdir/fuzz_$1" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 ${FUZZ_SEED:+-seed=$FUZZ_SEED} -artifact_prefix="$bdir/artifacts/$1/" ${FUZZ_ARGS:-} \
        "$work/$1" "tests/fuzz/corpus/$1" 2>"$work/$1.log" || rc=$?
    echo "$rc" >"$work/$1.rc"
}
group=""
n=0
failed=""
report() { # the group's results, in order
    for s in $group; do
        if [ "$(cat "$work/$s.rc")" != 0 ]; then
            failed="$failed $s"
            tail -n 60 "$work/$s.log" >&2
        fi
        grep -E '^#[0-9]+.*(DONE|INITED)|^stat::' "$work/$s.log" >&2 || true
    done
    group=""
    n=0
}
for s in $surfaces; do
    run_one "$s" &
    group="$group $s"
    n=$((n + 1))
    if [ "$n" -ge "$par" ]; then
        wait
        report
    fi
done
wait
[ -z "$group" ] || report
if [ -n "$failed" ]; then
    echo "run.sh: FAILED:$failed (inputs in $bdir/artifacts/)" >&2
    exit 1
fi
echo "run.sh: every fuzzer ran ${secs}s without a failure" >&2
