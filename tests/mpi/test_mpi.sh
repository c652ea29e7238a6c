#!/bin/sh
# The MPI programs (ctest mpi_programs; docs/MPI.md) on a generated corpus:
#  - mpiexec -n 4 nindex-mpi writes the shards that nindex --shard i/4 and
#    nindex --merge-stats write, file for file;
#  - mpiexec -n 4 nsearch-mpi --queries prints, byte for byte, what nsearch
#    --queries prints on the single index of the same input (trec, json,
#    text), and exits with the same status;
#  - a missing INPUT: every rank exits 2 and nothing is written; a set of
#    another size is refused.
#   tests/mpi/test_mpi.sh MPIEXEC NINDEX NSEARCH NINDEX_MPI NSEARCH_MPI TMPDIR [CORPUS_DIR]
set -eu
mpiexec="$1" nindex="$2" nsearch="$3" nindex_mpi="$4" nsearch_mpi="$5" tmp="$6"
corpus_dir="${7:-}"
[ -z "$corpus_dir" ] || corpus_dir="$(cd "$corpus_dir" && pwd)"
rm -rf "$tmp"
mkdir -p "$tmp"
cd "$tmp"
# Under AddressSanitizer (CI sets ASAN_OPTIONS), the MPI programs run
# without LeakSanitizer: UCX (MPICH's ch4:ucx) leaves allocations of its
# transport modules, which MPI_Finalize unloads, so that no suppression can
# name them ("<unknown module>").  ASan and UBSan still check them; nindex
# and nsearch keep the leak check.
mpi_env=""
if [ -n "${ASAN_OPTIONS:-}" ]; then
    mpi_env="ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0"
fi
fail() { echo "test_mpi: FAIL: $*" >&2; exit 1; }
run_mpi() { env $mpi_env "$mpiexec" -n 4 "$@"; }

# 3000 documents over a Zipf-like vocabulary, with a stored extra member,
# every 97th id repeated later (the later document wins), one line that is
# not JSON; a fixed LCG, so the corpus is the same everywhere.
awk 'function zq(j) {
    return "zq" substr(A, j % 26 + 1, 1) substr(A, int(j / 26) % 26 + 1, 1) substr(A, int(j / 676) % 26 + 1, 1)
}
BEGIN {
    A = "abcdefghijklmnopqrstuvwxyz"
    s = 12345
    split("oil crude price barrel opec market trade grain wheat corn export import bank rate " \
          "interest dollar yen currency money stock share profit loss quarter year company " \
          "merger acquisition offer bid government minister policy tax budget deficit growth " \
          "inflation reserve gold silver copper steel coffee sugar cocoa ship port strike union " \
          "the of and to in a is for on that with", V, " ")
    nv = 0; for (k in V) nv++
    for (d = 0; d < 3000; d++) {
        id = (d % 97 == 50 && d > 100) ? "doc-" (d - 97) : "doc-" d
        nt = 5 + (d * 7) % 40
        body = ""; title = ""
        for (t = 0; t < nt; t++) {
            s = (s * 1103515245 + 12345) % 2147483648
            r = s / 2147483648
            w = V[1 + int(nv * r * r)]
            body = body (t ? " " : "") w
            if (t < 4) title = title (t ? " " : "") w
        }
        # two of about 2,500 "zq" words: the prefix zq* matches more terms
        # than one prefix keeps (1,024), with dfs from 1 to a few
        body = body " " zq((d * 37) % 2500) " " zq((d * d + 7) % 1800)
        printf "{\"id\":\"%s\",\"title\":\"%s\",\"body\":\"%s\",\"date\":\"1987-%02d-%02d\",\"topics\":[\"t%d\"]}\n", \
            id, title, body, 1 + d % 12, 1 + d % 28, d % 5
        if (d == 1234) print "this line is not JSON"
    }
}' > corpus.jsonl
inputs="corpus.jsonl"
[ -n "$corpus_dir" ] && [ -d "$corpus_dir" ] && inputs="$inputs $corpus_dir"

cat > queries.txt <<'Q'
oil price
q2	crude AND barrel
"interest rate"
+gold -silver
stock* profit
the of and
Q
printf 'q-tab\tbank\n\nq empty\t\nwheat OR corn export\ntopics:t3 grain\ncurrency\tdollar yen\nmerger acquisition offer bid\nzzzunknownword\nq-px\tzq*\noil zq*\n' >> queries.txt

# the single index, and the reference shards of nindex --shard + --merge-stats
"$nindex" -q --field topics -o single $inputs 2>/dev/null || fail "nindex single"
mkdir ref
for i in 0 1 2 3; do
    "$nindex" -q --field topics --shard "$i/4" -o "ref/$i" $inputs 2>/dev/null || fail "nindex --shard $i/4"
done
"$nindex" -q --merge-stats ref/0 ref/1 ref/2 ref/3 || fail "nindex --merge-stats"

# nindex-mpi: the same shards, file for file
run_mpi "$nindex_mpi" -q --field topics -o set $inputs 2>mpi_index.err || {
    cat mpi_index.err >&2; fail "nindex-mpi exited $?"; }
for i in 0 1 2 3; do
    for f in terms postings positions doclens docs docstore shard global meta; do
        [ -f "ref/$i/$f" ] || fail "ref/$i/$f missing"
        cmp "ref/$i/$f" "set/$i/$f" || fail "set/$i/$f differs from nindex --shard + --merge-stats"
    done
done
# the summary, unless -q
run_mpi "$nindex_mpi" -o set2 $inputs 2>summary.err || fail "nindex-mpi (summary)"
grep -q '^nindex-mpi: indexed .* into 4 shards' summary.err || { cat summary.err >&2; fail "no summary"; }

# nsearch-mpi against nsearch on the single index (each mpiexec costs a
# second or two on a loaded machine: few runs, each over every query)
# (MPI_ONLY: nsearch-mpi's own options, such as --batch)
compare() { # NAME OPTION...
    name="$1"
    shift
    set +e
    "$nsearch" -i single --queries queries.txt "$@" >"want.$name" 2>/dev/null
    want_rc=$?
    run_mpi "$nsearch_mpi" -i set --queries queries.txt ${MPI_ONLY:-} "$@" >"got.$name" 2>"got.$name.err"
    got_rc=$?
    set -e
    cmp "want.$name" "got.$name" || fail "$*: output differs from nsearch"
    [ "$want_rc" = "$got_rc" ] || fail "$*: exit $got_rc, nsearch $want_rc"
}
compare trec --format trec
[ "$(wc -l <want.trec)" -gt 50 ] || fail "too few hits to compare"
compare json --format json -k 7
compare text --format text -k 3 --no-snippets
compare count --format json -k 0
compare algo --format trec -k 20 --algo exhaustive --all
# batches of 1 and of 4 (the log's 15 queries: the last batch is short)
# give the same output as the default (one batch of 64 here); --timing
# says what it measured on stderr
MPI_ONLY="--batch 1" compare batch1 --format json -k 5
MPI_ONLY="--batch 4 --timing" compare batch4 --format text -k 4
grep -q '^nsearch-mpi: timing: 15 queries in 4 batches on 4 ranks, .* p50 .* p99 ' got.batch4.err ||
    { cat got.batch4.err >&2; fail "--timing: no summary"; }
# a query error stops at its line, as nsearch does, exit 2: in the middle
# of a batch (the queries before it answered, none after), and alone
printf 'oil\nbank rate\nbad (query\ngold\n' > bad.txt
set +e
"$nsearch" -i single --queries bad.txt --format text >want.bad 2>want.bad.err
want_rc=$?
set -e
for b in 64 1; do
    set +e
    run_mpi "$nsearch_mpi" -i set --queries bad.txt --format text --batch $b >got.bad 2>got.bad.err
    got_rc=$?
    set -e
    cmp want.bad got.bad || fail "a bad query, --batch $b: output differs"
    [ "$want_rc" = 2 ] && [ "$got_rc" = 2 ] || fail "a bad query, --batch $b: exit $got_rc (nsearch $want_rc), not 2"
    [ "$(grep -c "bad query" got.bad.err)" = 1 ] || { cat got.bad.err >&2; fail "a bad query, --batch $b: one message from rank 0"; }
    grep -q "^nsearch-mpi: 'bad.txt' line 3: bad query: column " got.bad.err || { cat got.bad.err >&2; fail "a bad query, --batch $b: not its line"; }
done

# failures: a missing INPUT, on every rank: 2, nothing written
set +e
run_mpi "$nindex_mpi" -q -o missing_out no/such/input 2>missing.err
rc=$?
set -e
[ "$rc" = 2 ] || fail "a missing INPUT: exit $rc, not 2"
[ ! -e missing_out ] || fail "a missing INPUT: 'missing_out' was written"
for r in 0 1 2 3; do
    grep -q "^nindex-mpi: rank $r: " missing.err || { cat missing.err >&2; fail "rank $r did not say why"; }
done
# a usage error: rank 0 says it once
set +e
run_mpi "$nindex_mpi" -o x 2>usage.err
rc=$?
set -e
[ "$rc" = 2 ] && [ "$(grep -c '^nindex-mpi: no INPUT given' usage.err)" = 1 ] || { cat usage.err >&2; fail "usage error"; }
# a set of 4 searched on 2 ranks: refused, 2
set +e
env $mpi_env "$mpiexec" -n 2 "$nsearch_mpi" -i set --queries queries.txt >/dev/null 2>size.err
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "set of 4, not 2" size.err || { cat size.err >&2; fail "a set of 4 on 2 ranks: exit $rc"; }
# a missing set: 3
set +e
run_mpi "$nsearch_mpi" -i no_such_set --queries queries.txt >/dev/null 2>/dev/null
rc=$?
set -e
[ "$rc" = 3 ] || fail "a missing set: exit $rc, not 3"
echo "test_mpi: ok"
