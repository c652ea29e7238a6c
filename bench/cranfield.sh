#!/bin/sh
# Ranking quality on the Cranfield collection: builds an index of its
# documents, answers its 225 queries (top 1000, TREC format) and scores the
# run against the qrels with bench/trec_eval.py: MAP, nDCG@10, P@10 and
# R@1000, once with plain BM25 and once with RM3 feedback (--expand, its
# defaults: README "Feedback").
#   bench/cranfield.sh [CRANFIELD_DIR] [BUILD_DIR]
# CRANFIELD_DIR defaults to ../shared/eval/cranfield; skipped when absent.
# NINDEX_OPTS adds nindex options (e.g. "--stopwords none"); EXPAND_OPTS
# replaces the feedback run's options (e.g. "--expand --fb-docs 20");
# SENSITIVITY=1 adds the runs of README's sensitivity table (fb-docs,
# fb-terms, fb-weight each varied alone).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/../shared/eval/cranfield}
build=${2:-$root/build}
if [ ! -f "$dir/docs.jsonl" ]; then
    echo "cranfield: no collection at '$dir': skipped" >&2
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/nindex" -q ${NINDEX_OPTS:-} -o "$work/idx" "$dir/docs.jsonl"
# --literal: the collection's questions are prose, not query syntax ("-dash" is a
# dash written out, not an exclusion), as Anserini feeds them to the analyzer
run() { # label, nsearch options
    label=$1
    shift
    "$build/nsearch" -i "$work/idx" --literal "$@" --queries "$dir/queries.tsv" --format trec \
        -k 1000 >"$work/run" || true
    printf '%-34s ' "$label"
    python3 "$root/bench/trec_eval.py" "$dir/qrels.txt" "$work/run"
}
run "bm25"
# shellcheck disable=SC2086 # EXPAND_OPTS is a list of options
run "bm25+rm3 ${EXPAND_OPTS:---expand}" ${EXPAND_OPTS:---expand}
if [ "${SENSITIVITY:-0}" = 1 ]; then
    for v in 5 20; do run "bm25+rm3 --fb-docs $v" --expand --fb-docs $v; done
    for v in 5 20; do run "bm25+rm3 --fb-terms $v" --expand --fb-terms $v; done
    for v in 0.3 0.7; do run "bm25+rm3 --fb-weight $v" --expand --fb-weight $v; done
fi
