#!/bin/sh
# Ranking quality on the Cranfield collection: builds an index of its
# documents, answers its 225 queries (top 1000, TREC format) and scores the
# run against the qrels with bench/trec_eval.py.
#   bench/cranfield.sh [CRANFIELD_DIR] [BUILD_DIR]
# CRANFIELD_DIR defaults to ../shared/eval/cranfield; skipped when absent.
# NINDEX_OPTS adds nindex options (e.g. "--stopwords none").
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
"$build/nsearch" -i "$work/idx" --literal --queries "$dir/queries.tsv" --format trec -k 1000 >"$work/run" || true
python3 "$root/bench/trec_eval.py" "$dir/qrels.txt" "$work/run"
