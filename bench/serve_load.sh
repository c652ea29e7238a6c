#!/bin/bash
# serve_load: load on `nsearch serve` with wrk, only against 127.0.0.1, for a
# fixed time (issue 13, "Load").
#
#   bench/serve_load.sh [OPTION]... NSEARCH NINDEX INDEX_DIR QUERY_LOG [INPUT]
#
# NSEARCH and NINDEX are the programs (build-rel/nsearch, build-rel/nindex),
# INDEX_DIR the index to serve, QUERY_LOG the queries ('qid<TAB>text' lines,
# bench/gen_queries.py), INPUT what INDEX_DIR was built from (needed by
# --rebuild, which rebuilds INDEX_DIR in place with `NINDEX -o INDEX_DIR
# INPUT`: give it a scratch index).
#
# For each server thread count T of --threads, the script starts
#   NSEARCH serve -i INDEX_DIR -q --listen 127.0.0.1:0 --threads T --reload-ms MS
# itself, reads its port from the line it prints, loads it for --warmup
# seconds (not reported), then for each connection count C of --conns runs
#   wrk -t W -c C -d SECONDS --latency -s bench/serve_load.lua URL -- QUERY_LOG K PARAMS
# one run at a time.  bench/serve_load.lua cycles through the log's queries
# as GET /search?q=TEXT&k=K (percent-encoded), counts every answer that is
# not a 200 with a "took_us" member as an error (wrk alone counts only
# socket errors), and collects "took_us" (the server's own time per query)
# and "generation".  Before each server, and once after the last, the
# script runs (never at the same time as wrk)
#   NBENCH query -i INDEX_DIR -q QUERY_LOG --e2e=json -k K --modes or
# whose "mean_us" is the in-process end-to-end time of the same queries
# (parse, rank, fetch, snippets, JSON: what the server does for a GET
# /search with its defaults); the table shows the mean of these runs.
# nbench does not count the matches; the server does, up to its
# total_limit (default 1000; --params total_limit=0: exact totals, a full
# pass over the postings of every query, about 3x the time on Reuters x10),
# so the script also measures, as a reference that counts exactly, the CPU
# time per query of
#   NSEARCH -i INDEX_DIR --queries QUERY_LOG --json -k K --count >/dev/null
# (with /usr/bin/time; index opening included, a few ms in all): compare it
# with cpu_us of a --params total_limit=0 run.
#
# Then, on the server with the largest T and the largest C:
#   --rebuild N   wrk runs while INDEX_DIR is rebuilt N times, one after the
#                 other; after each rebuild the script waits until GET
#                 /health shows the next generation (so that each one is
#                 served), then 1 s more.  Reported: failed requests (must
#                 be 0), the generations the answers came from, RSS, open
#                 files and mappings of deleted files before and after.
#   --soak S      wrk runs S seconds; the server's RSS (/proc/PID/status
#                 VmRSS, and RssAnon, its heap part: the index is mapped, so
#                 VmRSS also counts index pages read) at the start, every
#                 --rss-every seconds, and at the end.
# Finally the server is stopped with SIGTERM: it must exit 0.
#
# Output (stdout): one table row per run,
#   threads conns qps p50_ms p99_ms errors took_us cpu_us nbench_us took/nb rss_MiB
# (qps, p50, p99: wrk's; errors: see the targets; took_us: the mean "took_us"
# of the run's answers, wall time; cpu_us: the server's CPU time (utime +
# stime, /proc/PID/stat) over the run / requests, HTTP included; nbench_us:
# the mean of the nbench runs; rss_MiB: the server's VmRSS after the run),
# the nbench and CLI reference figures, then the rebuild and soak reports,
# then one line per target:
#   ok:     TARGET          or
#   MISSED: TARGET (what was seen)
# Targets:  [c] correctness, [t] timing (meaningful on a quiet machine only)
#   [c] zero errors in every run: non-200, a 200 without took_us or with
#       "damaged":true, socket errors, wrk timeouts (--timeout);
#   [c] the server alive after every run, and exit 0 on SIGTERM;
#   [t] QPS with 2 threads >= --scale-target (1.6) x QPS with 1 thread, at
#       the largest C (when --threads has both 1 and 2);
#   [t] took_us <= --took-target (1.5) x nbench's mean, in the C = 1 runs
#       (see above: the server counts, nbench does not);
#   [c] --rebuild: zero failed requests, every nindex run succeeded, each
#       rebuild's generation served (in /health and in answers), and the
#       old generations closed afterwards (no mapping of a deleted file in
#       /proc/PID/maps, no more open files than before);
#   [c] --soak: zero errors, and RssAnon at the end <= start + max(10%,
#       16 MiB) (memory flat).
# The server and wrk share the machine's CPUs unless --server-cpus and
# --wrk-cpus keep them apart (with 2 server threads, wrk needs CPUs of its
# own for the scaling target to mean anything: 4 cores or more).
# Logs (server stderr, wrk and nbench outputs, nindex logs) are kept in
# --logs DIR (default: a new directory /tmp/serve_load.XXXXXX, printed).
#
# Exit status: 0 every target met (or skipped: wrk, curl, the index, the
# query log or INPUT missing, with a message); 1 a correctness target
# missed; 2 usage error; 3 only timing targets missed.
#
# Example (Reuters x10; see README "Benchmarks"):
#   python3 bench/replicate.py ../shared/corpora/reuters21578.jsonl 10 > /tmp/r10.jsonl
#   python3 bench/gen_queries.py ../shared/corpora/reuters21578.jsonl > /tmp/q.tsv
#   build-rel/nindex -o /tmp/r10 /tmp/r10.jsonl
#   bench/serve_load.sh -d 30 --rebuild 5 --soak 600 \
#       build-rel/nsearch build-rel/nindex /tmp/r10 /tmp/q.tsv /tmp/r10.jsonl
set -u

PROG=serve_load
here=$(cd "$(dirname "$0")" && pwd)
lua=$here/serve_load.lua

usage() {
    cat <<'EOF'
Usage: bench/serve_load.sh [OPTION]... NSEARCH NINDEX INDEX_DIR QUERY_LOG [INPUT]
Load `NSEARCH serve -i INDEX_DIR` on 127.0.0.1 with wrk: QPS, p50/p99
latency, errors and the server's own time per query for each thread and
connection count, beside nbench's end-to-end time; optionally while the
index is rebuilt from INPUT, and a memory soak.

  -d, --duration=SECONDS  each measured run (default 30)
      --warmup=SECONDS    unreported load on each new server (default 3)
      --threads="LIST"    server --threads values (default "1 2")
      --conns="LIST"      wrk connection counts (default "1 8 64")
      --wrk-threads=N     wrk threads (default 1; at most C)
      --k=K               hits per query (default 10)
      --params=QUERY      more /search parameters, as is (total_limit=0: exact
                          totals); nbench's figure is for the defaults only
      --timeout=SECONDS   wrk's request timeout: longer is an error (default 5)
      --reload-ms=MS      the server's --reload-ms (default 200)
      --rebuild=N         rebuild INDEX_DIR from INPUT N times (nindex -o
                          INDEX_DIR INPUT, in place) under the largest load
      --soak=SECONDS      the largest load this long, with the server's RSS
      --rss-every=SECONDS RSS sample interval in the soak (default 60)
      --nbench=PATH       nbench (default: beside NSEARCH; 'none': skip it)
      --scale-target=X    QPS(2 threads) / QPS(1 thread) at least (default 1.6)
      --took-target=X     took_us / nbench mean at most, C = 1 (default 1.5)
      --logs=DIR          keep logs there (default: a new /tmp/serve_load.*)
      --server-cpus=LIST  run the server, nbench and the CLI reference on these
                          CPUs (taskset -c LIST, e.g. 0-1; default: any)
      --wrk-cpus=LIST     run wrk on these CPUs (e.g. 2-3; default: any)
  -h, --help              this help

Exit: 0 all targets met or skipped (wrk, curl or data missing); 1 a
correctness target missed (errors, failed requests, crash, memory growth);
2 usage; 3 only timing targets missed.  Header of the script: the details.
EOF
}

die_usage() {
    echo "$PROG: $*" >&2
    echo "Try 'bench/serve_load.sh --help'." >&2
    exit 2
}
skip() {
    echo "$PROG: skipped: $*"
    exit 0
}

duration=30 warmup=3 threads_list="1 2" conns_list="1 8 64" wrk_threads=1 k=10
timeout=5 reload_ms=200 rebuild=0 soak=0 rss_every=60 nbench='' scale_target=1.6
took_target=1.5 logs='' server_cpus='' wrk_cpus='' params=''

is_uint() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
is_num() { printf '%s' "$1" | grep -Eq '^[0-9]+([.][0-9]+)?$'; }

args=()
while [ $# -gt 0 ]; do
    opt=$1 val='' has_val=0
    case $opt in
    --*=*) val=${opt#*=}; opt=${opt%%=*}; has_val=1 ;;
    esac
    case $opt in
    -h | --help) usage; exit 0 ;;
    -d | --duration | --warmup | --threads | --conns | --wrk-threads | --k | --timeout | \
        --reload-ms | --rebuild | --soak | --rss-every | --nbench | --scale-target | \
        --took-target | --logs | --server-cpus | --wrk-cpus | --params)
        if [ $has_val = 0 ]; then
            [ $# -ge 2 ] || die_usage "option $opt needs an argument"
            val=$2
            shift
        fi
        case $opt in
        -d | --duration) duration=$val ;;
        --warmup) warmup=$val ;;
        --threads) threads_list=$val ;;
        --conns) conns_list=$val ;;
        --wrk-threads) wrk_threads=$val ;;
        --k) k=$val ;;
        --timeout) timeout=$val ;;
        --reload-ms) reload_ms=$val ;;
        --rebuild) rebuild=$val ;;
        --soak) soak=$val ;;
        --rss-every) rss_every=$val ;;
        --nbench) nbench=$val ;;
        --scale-target) scale_target=$val ;;
        --took-target) took_target=$val ;;
        --logs) logs=$val ;;
        --server-cpus) server_cpus=$val ;;
        --wrk-cpus) wrk_cpus=$val ;;
        --params) params=$val ;;
        esac
        ;;
    --) shift; args+=("$@"); break ;;
    -?*) die_usage "invalid option '$opt'" ;;
    *) args+=("$opt") ;;
    esac
    shift
done

for v in duration:$duration warmup:$warmup wrk-threads:$wrk_threads k:$k timeout:$timeout \
    reload-ms:$reload_ms rebuild:$rebuild soak:$soak rss-every:$rss_every; do
    is_uint "${v#*:}" || die_usage "--${v%%:*} wants a whole number, not '${v#*:}'"
done
[ "$duration" -ge 1 ] || die_usage "--duration wants 1 second or more"
[ "$wrk_threads" -ge 1 ] || die_usage "--wrk-threads wants 1 or more"
[ "$k" -ge 1 ] || die_usage "--k wants 1 or more"
[ "$timeout" -ge 1 ] || die_usage "--timeout wants 1 second or more"
[ "$rss_every" -ge 1 ] || die_usage "--rss-every wants 1 second or more"
is_num "$scale_target" || die_usage "--scale-target wants a number, not '$scale_target'"
is_num "$took_target" || die_usage "--took-target wants a number, not '$took_target'"
[ -n "$threads_list" ] || die_usage "--threads wants a list"
[ -n "$conns_list" ] || die_usage "--conns wants a list"
for t in $threads_list; do
    is_uint "$t" && [ "$t" -ge 1 ] && [ "$t" -le 256 ] ||
        die_usage "--threads wants numbers from 1 to 256, not '$t'"
done
for c in $conns_list; do
    is_uint "$c" && [ "$c" -ge 1 ] && [ "$c" -le 10000 ] ||
        die_usage "--conns wants numbers from 1 to 10000, not '$c'"
done
[ ${#args[@]} -ge 4 ] && [ ${#args[@]} -le 5 ] ||
    die_usage "wants NSEARCH NINDEX INDEX_DIR QUERY_LOG [INPUT]"
nsearch=${args[0]} nindex=${args[1]} index=${args[2]} qlog=${args[3]} input=${args[4]:-}
[ -x "$nsearch" ] || die_usage "NSEARCH '$nsearch' is not an executable"
if [ "$rebuild" -gt 0 ]; then
    [ -x "$nindex" ] || die_usage "NINDEX '$nindex' is not an executable"
    [ -n "$input" ] || die_usage "--rebuild wants INPUT (what INDEX_DIR is built from)"
fi
if [ -z "$nbench" ]; then
    nbench=$(dirname "$nsearch")/nbench
    [ -x "$nbench" ] || nbench=none
fi
[ "$nbench" = none ] || [ -x "$nbench" ] || die_usage "--nbench '$nbench' is not an executable"

srv_pin=() wrk_pin=()
if [ -n "$server_cpus$wrk_cpus" ]; then
    command -v taskset >/dev/null 2>&1 || die_usage "--server-cpus and --wrk-cpus want taskset"
    for l in "$server_cpus" "$wrk_cpus"; do
        [ -z "$l" ] || taskset -c "$l" true 2>/dev/null || die_usage "no CPUs '$l' here (taskset -c)"
    done
    [ -n "$server_cpus" ] && srv_pin=(taskset -c "$server_cpus")
    [ -n "$wrk_cpus" ] && wrk_pin=(taskset -c "$wrk_cpus")
fi

command -v wrk >/dev/null 2>&1 || skip "wrk is not installed (Debian: apt-get install wrk)"
command -v curl >/dev/null 2>&1 || skip "curl is not installed (Debian: apt-get install curl)"
[ -f "$lua" ] || skip "no $lua"
[ -d "$index" ] || skip "no index directory '$index' (bench/serve_load.sh --help: how to make one)"
[ -s "$qlog" ] || skip "no query log '$qlog' (bench/gen_queries.py makes one)"
if [ "$rebuild" -gt 0 ] && [ ! -e "$input" ]; then
    skip "no INPUT '$input' to rebuild the index from"
fi

if [ -z "$logs" ]; then
    logs=$(mktemp -d /tmp/serve_load.XXXXXX) || exit 4
else
    mkdir -p "$logs" || exit 4
fi
echo "$PROG: logs in $logs" >&2

# sorted numerically: the largest values are the "largest load"
max_of() { printf '%s\n' $1 | # word-split on purpose
     sort -n | tail -n 1; }
t_max=$(max_of "$threads_list")
c_max=$(max_of "$conns_list")

srv_pid='' port='' wrk_pid='' bad=0 slow=0 extras_done=0
results=() # "ok: ..." and "MISSED: ..." lines, printed at the end

target() { # target KIND(c|t) OK(0|1) TEXT [SEEN]
    if [ "$2" = 1 ]; then
        results+=("ok:     $3")
    else
        results+=("MISSED: $3${4:+ ($4)}")
        if [ "$1" = c ]; then bad=1; else slow=1; fi
    fi
}

cleanup() {
    [ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
    [ -n "$srv_pid" ] && kill -TERM "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
}
trap cleanup EXIT
trap 'echo "$PROG: interrupted" >&2; exit 130' INT TERM

rss_kib() { # rss_kib FIELD: the server's /proc status FIELD in KiB, or 0
    local f=/proc/${srv_pid:-none}/status
    if [ -r "$f" ]; then
        awk -v f="$1:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' "$f"
    else
        echo 0
    fi
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
both() { printf '%s\n' "$*"; printf '%s: %s\n' "$PROG" "$*" >&2; } # report and progress
# files_open: the server's open descriptors that are not sockets, pipes or
# anonymous inodes (index files, its log); maps_deleted: its mappings of
# deleted files (an old index generation still mapped)
files_open() {
    find "/proc/${srv_pid:-none}/fd" -mindepth 1 -printf '%l\n' 2>/dev/null |
        grep -Evc '^(socket|pipe|anon_inode):'
}
maps_deleted() { grep -c ' (deleted)$' "/proc/${srv_pid:-none}/maps" 2>/dev/null; }
alive() { [ -n "$srv_pid" ] && kill -0 "$srv_pid" 2>/dev/null; }

# health_gen: the generation GET /health reports, or "" when it does not answer
health_gen() {
    curl -s --max-time 5 "http://127.0.0.1:$port/health" |
        sed -n 's/.*"generation":\([0-9][0-9]*\).*/\1/p'
}

# start_server T: starts it on a free port of 127.0.0.1; sets srv_pid, port
start_server() {
    local t=$1 err=$logs/serve-t$1.err i
    "${srv_pin[@]}" "$nsearch" serve -i "$index" -q --listen 127.0.0.1:0 --threads "$t" \
        --reload-ms "$reload_ms" 2>"$err" &
    srv_pid=$!
    port=
    for i in $(seq 1 300); do
        port=$(sed -n 's|^nsearch: serving .* on http://127\.0\.0\.1:\([0-9][0-9]*\)/$|\1|p' "$err" |
            head -n 1)
        [ -n "$port" ] && break
        alive || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        echo "$PROG: the server did not start; its stderr:" >&2
        sed 's/^/  /' "$err" >&2
        kill -TERM "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
        srv_pid=''
        target c 0 "nsearch serve --threads $t starts" "see $err"
        return 1
    fi
}

# stop_server T: SIGTERM, and the exit status must be 0
stop_server() {
    local st i
    kill -TERM "$srv_pid" 2>/dev/null
    for i in $(seq 1 200); do # 20 s to drain (it waits 10 s at most)
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$srv_pid" 2>/dev/null; then
        kill -KILL "$srv_pid" 2>/dev/null
        echo "$PROG: the server did not stop in 20 s after SIGTERM: killed" >&2
    fi
    wait "$srv_pid"
    st=$?
    srv_pid=
    target c "$([ $st = 0 ] && echo 1 || echo 0)" \
        "the server (--threads $1) exits 0 on SIGTERM" "exit status $st"
}

# wrk_run C SECONDS OUT: wrk against the server, in the background (wrk_pid)
wrk_run() {
    local w=$wrk_threads
    [ "$w" -le "$1" ] || w=$1
    "${wrk_pin[@]}" wrk -t "$w" -c "$1" -d "${2}s" --timeout "${timeout}s" --latency -s "$lua" \
        "http://127.0.0.1:$port" -- "$qlog" "$k" "$params" >"$3" 2>&1 &
    wrk_pid=$!
}
wrk_wait() {
    wait "$wrk_pid"
    local st=$?
    wrk_pid=
    return $st
}

# field OUT NAME: the NAME= value of the serve_load.lua line of OUT
field() {
    sed -n 's/^serve_load: //p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# why OUT: what the errors of a wrk run were
why() {
    printf 'non-200 %s (%s), 200 without took_us %s, damaged %s; socket connect/read/write/timeout %s/%s/%s/%s; first: %s' \
        "$(field "$1" non200)" "$(field "$1" statuses)" "$(field "$1" bad200)" \
        "$(field "$1" damaged)" "$(field "$1" sock_connect)" "$(field "$1" sock_read)" \
        "$(field "$1" sock_write)" "$(field "$1" sock_timeout)" "$(field "$1" first_error)"
}

nb_means=()
run_nbench() {
    [ "$nbench" = none ] && return 0
    local out=$logs/nbench-${#nb_means[@]}.jsonl m
    "${srv_pin[@]}" "$nbench" query -i "$index" -q "$qlog" --e2e=json -k "$k" --modes or >"$out" 2>"$out.err"
    m=$(sed -n 's/.*"mode":"or".*"mean_us":\([0-9.]*\).*/\1/p' "$out" | head -n 1)
    if [ -z "$m" ]; then
        echo "$PROG: nbench failed (see $out.err): no end-to-end figure" >&2
        return 0
    fi
    nb_means+=("$m")
    echo "$PROG: nbench query --e2e=json -k $k --modes or: mean $m us" >&2
}
# the CPU time per query of `NSEARCH -i INDEX_DIR --queries QUERY_LOG --json
# -k K --count` (the CLI, output to /dev/null): a reference that counts every
# match as the server does with total_limit=0 (nbench's e2e does not count)
cli_cpus=()
run_cli_ref() {
    [ -x /usr/bin/time ] || return 0
    local n cpu out=$logs/cli-${#cli_cpus[@]}.err
    n=$(grep -c . "$qlog")
    "${srv_pin[@]}" /usr/bin/time -o "$out.time" -f '%x %U %S' "$nsearch" -i "$index" --queries "$qlog" --json \
        -k "$k" --count >/dev/null 2>"$out"
    cpu=$(tail -n 1 "$out.time")
    if [ "${cpu%% *}" != 0 ]; then
        echo "$PROG: nsearch --queries --count failed (see $out): no CLI reference figure" >&2
        return 0
    fi
    cpu=${cpu#* }
    cli_cpus+=("$(awk -v c="$cpu" -v n="$n" 'BEGIN { split(c, a, " "); printf "%.1f", (a[1] + a[2]) * 1e6 / n }')")
}
mean_of() { # mean_of VALUE...: "-" when none
    [ $# -gt 0 ] || { echo "-"; return; }
    printf '%s\n' "$@" | awk '{ s += $1; n++ } END { printf "%.1f", s / n }'
}
# the server's CPU time so far, in clock ticks (utime + stime)
cpu_ticks() {
    sed 's/^.*) //' "/proc/${srv_pid:-none}/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

nb_mean() {
    [ ${#nb_means[@]} -gt 0 ] || { echo "-"; return; }
    mean_of "${nb_means[@]}"
}

declare -A qps_of took_of
rows=()

# measure T C: one measured run, one table row
measure() {
    local t=$1 c=$2 out=$logs/wrk-t$1-c$2.out e ticks0 ticks1 cpu
    ticks0=$(cpu_ticks)
    wrk_run "$c" "$duration" "$out"
    wrk_wait
    ticks1=$(cpu_ticks)
    if ! grep -q '^serve_load: ' "$out"; then
        echo "$PROG: wrk failed (threads $t, conns $c):" >&2
        sed 's/^/  /' "$out" >&2
        target c 0 "wrk runs (threads $t, conns $c)" "see $out"
        return 1
    fi
    e=$(field "$out" errors)
    qps_of[$t,$c]=$(field "$out" qps)
    took_of[$t,$c]=$(field "$out" took_mean_us)
    cpu=$(awk -v a="${ticks0:-0}" -v b="${ticks1:-0}" -v n="$(field "$out" requests)" -v hz="$clk_tck" \
        'BEGIN { printf "%.1f", (n > 0) ? (b - a) * 1e6 / hz / n : 0 }')
    rows+=("$t $c ${qps_of[$t,$c]} $(field "$out" p50_us) $(field "$out" p99_us) $e ${took_of[$t,$c]} $cpu $(rss_kib VmRSS)")
    target c "$([ "$e" = 0 ] && echo 1 || echo 0)" "zero errors: threads $t, conns $c" \
        "$e errors: $(why "$out")"
    if ! alive; then
        target c 0 "the server (--threads $t) alive after the run with $c connections" \
            "it is gone: see $logs/serve-t$t.err"
        return 1
    fi
}

print_table() {
    local nbm r t c q p50 p99 e took cpu rss ratio
    nbm=$(nb_mean)
    printf '\n%7s %6s %9s %8s %8s %7s %8s %8s %9s %7s %8s\n' threads conns qps p50_ms p99_ms \
        errors took_us cpu_us nbench_us took/nb rss_MiB
    for r in "${rows[@]}"; do
        read -r t c q p50 p99 e took cpu rss <<<"$r"
        ratio=-
        [ "$nbm" != - ] && ratio=$(awk -v a="$took" -v b="$nbm" 'BEGIN { printf "%.2f", a / b }')
        printf '%7s %6s %9s %8s %8s %7s %8s %8s %9s %7s %8s\n' "$t" "$c" "$q" \
            "$(awk -v u="$p50" 'BEGIN { printf "%.2f", u / 1000 }')" \
            "$(awk -v u="$p99" 'BEGIN { printf "%.2f", u / 1000 }')" \
            "$e" "$took" "$cpu" "$nbm" "$ratio" "$(mib "$rss")"
    done
    [ ${#nb_means[@]} -gt 0 ] &&
        printf 'nbench query --e2e=json -k %s --modes or, mean us per query: %s (runs: %s)\n' \
            "$k" "$nbm" "${nb_means[*]}"
    local line='' q1 q2
    for c in $conns_list; do
        q1=${qps_of[1,$c]:-} q2=${qps_of[2,$c]:-}
        [ -n "$q1" ] && [ -n "$q2" ] &&
            line="$line  $c conns $(awk -v a="$q2" -v b="$q1" 'BEGIN { printf "%.2fx", (b > 0) ? a / b : 0 }')"
    done
    [ -n "$line" ] && printf 'QPS 2 threads / 1 thread:%s\n' "$line"
    [ ${#cli_cpus[@]} -gt 0 ] &&
        printf 'nsearch --queries --json -k %s --count, CPU us per query: %s (runs: %s)\n' \
            "$k" "$(mean_of "${cli_cpus[@]}")" "${cli_cpus[*]}"
    return 0
}

# rebuild_run T C: the load while INDEX_DIR is rebuilt $rebuild times
rebuild_run() {
    local t=$1 c=$2 out=$logs/wrk-rebuild.out g0 g want i st ok_gen=1 rb_ok=1
    local rss0 anon0 rss1 anon1 e gens missing='' files0 files1 deleted
    g0=$(health_gen)
    if [ -z "$g0" ]; then
        target c 0 "rebuild: GET /health answers" "no generation in its answer"
        return 1
    fi
    rss0=$(rss_kib VmRSS) anon0=$(rss_kib RssAnon) files0=$(files_open)
    # long enough for any rebuild; stopped with SIGINT (wrk then reports)
    wrk_run "$c" $((rebuild * 900 + 60)) "$out"
    sleep 1
    for i in $(seq 1 "$rebuild"); do
        local t0=$SECONDS
        "$nindex" -o "$index" "$input" >"$logs/nindex-$i.log" 2>&1
        st=$?
        if [ $st != 0 ]; then
            rb_ok=0
            both "rebuild $i failed (nindex exit $st): see $logs/nindex-$i.log"
            continue
        fi
        want=$((g0 + i))
        g=
        for _ in $(seq 1 $((reload_ms / 100 + 300))); do
            g=$(health_gen)
            [ -n "$g" ] && [ "$g" -ge "$want" ] && break
            alive || break
            sleep 0.1
        done
        both "rebuild $i: nindex $((SECONDS - t0)) s; then /health generation ${g:-none}"
        if [ -z "$g" ] || [ "$g" -lt "$want" ]; then
            ok_gen=0
            both "rebuild $i: generation $want never served (/health: ${g:-no answer})"
        fi
        sleep 1
    done
    kill -INT "$wrk_pid" 2>/dev/null
    wrk_wait
    sleep 0.5 # the last answers' leases given back
    rss1=$(rss_kib VmRSS) anon1=$(rss_kib RssAnon) files1=$(files_open) deleted=$(maps_deleted)
    if ! grep -q '^serve_load: ' "$out"; then
        target c 0 "wrk runs during the rebuilds" "see $out"
        return 1
    fi
    e=$(field "$out" errors)
    gens=$(field "$out" gens)
    for i in $(seq "$g0" $((g0 + rebuild))); do
        case ",$gens," in *",$i,"*) ;; *) missing="$missing $i" ;; esac
    done
    printf '\nrebuild: %s rebuilds under threads %s, conns %s: %s requests in %.1f s, %s qps, p99 %.2f ms\n' \
        "$rebuild" "$t" "$c" "$(field "$out" requests)" \
        "$(awk -v u="$(field "$out" duration_us)" 'BEGIN { print u / 1e6 }')" \
        "$(field "$out" qps)" "$(awk -v u="$(field "$out" p99_us)" 'BEGIN { print u / 1000 }')"
    printf 'rebuild: failed requests %s; generations in the answers %s; /health %s -> %s\n' \
        "$e" "$gens" "$g0" "$(health_gen)"
    printf 'rebuild: RSS %s -> %s MiB (anon %s -> %s MiB)\n' "$(mib "$rss0")" "$(mib "$rss1")" \
        "$(mib "$anon0")" "$(mib "$anon1")"
    printf 'rebuild: open files (not sockets) %s -> %s; mappings of deleted files %s\n' \
        "$files0" "$files1" "$deleted"
    target c "$([ "$e" = 0 ] && echo 1 || echo 0)" "rebuild: zero failed requests" \
        "$e failed: $(why "$out")"
    target c $rb_ok "rebuild: every nindex run succeeded" "see $logs/nindex-*.log"
    target c "$([ "$deleted" = 0 ] && [ "$files1" -le "$files0" ] && echo 1 || echo 0)" \
        "rebuild: old generations closed (no deleted file mapped, no more files open)" \
        "$deleted mappings of deleted files; open files $files0 -> $files1"
    target c $ok_gen "rebuild: /health shows each rebuild's generation" "see the lines above"
    target c "$([ -z "$missing" ] && echo 1 || echo 0)" \
        "rebuild: answers from every generation $g0..$((g0 + rebuild))" "none from:$missing"
    if ! alive; then
        target c 0 "the server alive after the rebuilds" "see $logs/serve-t$t.err"
        return 1
    fi
}

# soak_run T C: the load for $soak seconds, RSS every $rss_every
soak_run() {
    local t=$1 c=$2 out=$logs/wrk-soak.out start=$SECONDS last rss anon rss0 anon0 e lim
    wrk_run "$c" "$soak" "$out"
    sleep 1
    rss0=$(rss_kib VmRSS) anon0=$(rss_kib RssAnon)
    printf '\nsoak: %s s at threads %s, conns %s; server RSS (MiB):\n' "$soak" "$t" "$c"
    printf 'soak: %6s %9s %9s\n' t_s VmRSS RssAnon
    printf 'soak: %6s %9s %9s\n' "$((SECONDS - start))" "$(mib "$rss0")" "$(mib "$anon0")"
    last=$SECONDS
    while kill -0 "$wrk_pid" 2>/dev/null; do
        sleep 1
        if [ $((SECONDS - last)) -ge "$rss_every" ] && kill -0 "$wrk_pid" 2>/dev/null; then
            last=$SECONDS
            both "$(printf 'soak: %6s %9s %9s' "$((SECONDS - start))" "$(mib "$(rss_kib VmRSS)")" \
                "$(mib "$(rss_kib RssAnon)")")"
        fi
    done
    rss=$(rss_kib VmRSS) anon=$(rss_kib RssAnon)
    wrk_wait
    printf 'soak: %6s %9s %9s   (end)\n' "$((SECONDS - start))" "$(mib "$rss")" "$(mib "$anon")"
    if ! grep -q '^serve_load: ' "$out"; then
        target c 0 "wrk runs in the soak" "see $out"
        return 1
    fi
    e=$(field "$out" errors)
    printf 'soak: %s requests, %s qps, p50 %.2f ms, p99 %.2f ms, errors %s\n' \
        "$(field "$out" requests)" "$(field "$out" qps)" \
        "$(awk -v u="$(field "$out" p50_us)" 'BEGIN { print u / 1000 }')" \
        "$(awk -v u="$(field "$out" p99_us)" 'BEGIN { print u / 1000 }')" "$e"
    target c "$([ "$e" = 0 ] && echo 1 || echo 0)" "soak: zero errors" \
        "$e errors: $(why "$out")"
    lim=$(awk -v a="$anon0" 'BEGIN { m = a * 0.10; if (m < 16384) m = 16384; printf "%d", a + m }')
    target c "$([ "$anon" -le "$lim" ] && echo 1 || echo 0)" \
        "soak: memory flat (RssAnon at the end <= start + max(10%, 16 MiB))" \
        "RssAnon $(mib "$anon0") -> $(mib "$anon") MiB, VmRSS $(mib "$rss0") -> $(mib "$rss") MiB"
    alive || target c 0 "the server alive after the soak" "see $logs/serve-t$t.err"
}

echo "$PROG: $(nproc 2>/dev/null || echo '?') CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" >&2
for t in $threads_list; do
    run_nbench
    run_cli_ref
    start_server "$t" || continue
    echo "$PROG: threads $t: serving on 127.0.0.1:$port (pid $srv_pid)" >&2
    if [ "$warmup" -gt 0 ]; then
        wrk_run "$c_max" "$warmup" "$logs/wrk-t$t-warmup.out"
        wrk_wait
    fi
    for c in $conns_list; do
        echo "$PROG: threads $t, conns $c: ${duration} s" >&2
        measure "$t" "$c" || break
    done
    # rebuild and soak once, on the first server with the largest T; their
    # reports go after the table
    if [ "$t" = "$t_max" ] && [ $extras_done = 0 ] && alive; then
        extras_done=1
        if [ "$rebuild" -gt 0 ]; then
            echo "$PROG: threads $t, conns $c_max: $rebuild rebuilds" >&2
            rebuild_run "$t" "$c_max" >"$logs/rebuild.txt" || true
        fi
        if [ "$soak" -gt 0 ] && alive; then
            echo "$PROG: threads $t, conns $c_max: soak ${soak} s" >&2
            soak_run "$t" "$c_max" >"$logs/soak.txt" || true
        fi
    fi
    if alive; then
        stop_server "$t"
    elif [ -n "$srv_pid" ]; then
        wait "$srv_pid"
        st=$?
        srv_pid=''
        target c 0 "the server (--threads $t) runs until SIGTERM" \
            "it ended with status $st$([ $st -gt 128 ] && echo ": signal $((st - 128))")"
    fi
done
run_nbench
run_cli_ref

print_table
[ -f "$logs/rebuild.txt" ] && cat "$logs/rebuild.txt"
[ -f "$logs/soak.txt" ] && cat "$logs/soak.txt"

# timing targets
q1=${qps_of[1,$c_max]:-} q2=${qps_of[2,$c_max]:-} # empty unless both ran
if [ -n "$q1" ] && [ -n "$q2" ]; then
    r=$(awk -v a="$q2" -v b="$q1" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
    target t "$(awk -v r="$r" -v x="$scale_target" 'BEGIN { print (r >= x) ? 1 : 0 }')" \
        "QPS with 2 threads >= ${scale_target}x 1 thread at $c_max connections" \
        "${r}x: $q2 / $q1 qps"
fi
nbm=$(nb_mean)
if [ "$nbm" != - ]; then
    for t in $threads_list; do
        tk=${took_of[$t,1]:-}
        [ -n "$tk" ] || continue
        r=$(awk -v a="$tk" -v b="$nbm" 'BEGIN { printf "%.2f", a / b }')
        target t "$(awk -v r="$r" -v x="$took_target" 'BEGIN { print (r <= x) ? 1 : 0 }')" \
            "server time per query <= ${took_target}x nbench's end to end (threads $t, 1 connection)" \
            "${r}x: took_us $tk, nbench $nbm us (runs: ${nb_means[*]})"
    done
fi

echo
printf '%s\n' "${results[@]}"
echo "$PROG: logs in $logs"
if [ $bad = 1 ]; then
    echo "$PROG: correctness targets missed"
    exit 1
fi
if [ $slow = 1 ]; then
    echo "$PROG: timing targets missed (only meaningful on a quiet machine)"
    exit 3
fi
echo "$PROG: all targets met"
exit 0
