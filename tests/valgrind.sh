#!/bin/sh
# Runs test suites under valgrind memcheck, following every process they
# start (Criterion's forked workers, and nindex / nsearch in the CLI
# suites), and fails if any process reports a memory error or a definite or
# indirect leak.
#
#   tests/valgrind.sh [BUILD_DIR [SUITE...]]
#
# BUILD_DIR: a build without sanitizers (default: build, made by ./test.sh);
# SUITE: test executables by name.  The default is every suite but
#   test_cli_fault, test_cli_kill: they preload a shim and time kills,
#     which valgrind's own preloading and slowness defeat;
#   test_cli_corrupt, test_ix_pipeline, test_sr_prune: hundreds of
#     processes or Reuters-sized work; under valgrind some of their tests
#     outlive their own .timeout (120 s), which Criterion's --timeout does
#     not raise.  Name them to run them anyway.
# One log per process goes to BUILD_DIR/valgrind/.
set -eu
cd "$(dirname "$0")/.."
dir="${1:-build}"
[ $# -gt 0 ] && shift
if [ ! -x "$dir/nindex" ]; then
    echo "valgrind.sh: no build in '$dir'; run ./test.sh first" >&2
    exit 2
fi
if [ $# -eq 0 ]; then
    set --
    for t in "$dir"/tests/test_*; do
        case "$(basename "$t")" in
        test_cli_fault | test_cli_kill | test_cli_corrupt | test_ix_pipeline | test_sr_prune) ;;
        *) [ -x "$t" ] && set -- "$@" "$(basename "$t")" ;;
        esac
    done
fi
logs="$dir/valgrind"
rm -rf "$logs"
mkdir -p "$logs"
status=0
for s in "$@"; do
    start=$(date +%s)
    # --trace-children: nindex and nsearch started by the CLI suites; the
    # shells and tools they use (rm -rf) are skipped.  Criterion's workers
    # are forks, followed anyway.  --timeout: for the tests without their
    # own (valgrind is ~30x slower).
    if valgrind --quiet --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
        --trace-children=yes --trace-children-skip='/bin/*,/usr/bin/*,*/sh' \
        --log-file="$logs/$s.%p.log" \
        "$dir/tests/$s" --jobs 1 --timeout 3000 >"$logs/$s.out" 2>&1; then
        rc=0
    else
        rc=$?
    fi
    # with --quiet a clean process leaves an empty log
    bad=$(find "$logs" -name "$s.*.log" -size +0 | tr '\n' ' ')
    echo "valgrind.sh: $s: exit $rc, $(($(date +%s) - start)) s${bad:+, errors in: $bad}"
    if [ "$rc" -ne 0 ] || [ -n "$bad" ]; then
        status=1
        tail -n 20 "$logs/$s.out" >&2
    fi
done
exit $status
