"""corpus_io: reading a JSON Lines corpus, plain or zstd-compressed, for the
bench scripts (gen_queries.py, replicate.py, gen_synth.py, peers/peers.py),
and query_kind(), the kind of a query line (bench/gen_queries.py --kind)."""
import json
import subprocess
import sys


def open_corpus(path):
    """Returns a binary file object of the corpus at path, read through
    `zstd -dc` when the name ends in .zst."""
    if path.endswith(".zst"):
        p = subprocess.Popen(["zstd", "-dc", "--", path], stdout=subprocess.PIPE)
        return p.stdout
    return open(path, "rb", buffering=1 << 20)


def iter_docs(path, prog=None):
    """Yields (line number, parsed value) for every non-blank line of the
    corpus.  A line that is not JSON is skipped, with a message naming
    path:line on stderr when prog (the script's name) is given."""
    with open_corpus(path) as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                if prog:
                    print(f"{prog}: {path}:{line_no}: malformed JSON: skipped", file=sys.stderr)
                continue
            yield line_no, doc


def query_kind(text):
    """The kind of a query line's text, as bench/gen_queries.py --kind makes
    them: "phrase" (a double quote), "exclusion" (a word with a leading `-`
    or a NOT), "prefix" (a `*`), else "term"."""
    if '"' in text:
        return "phrase"
    if any(t.startswith("-") and len(t) > 1 for t in text.split()) or " NOT " in f" {text} ":
        return "exclusion"
    if "*" in text:
        return "prefix"
    return "term"
