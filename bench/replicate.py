#!/usr/bin/python3
"""replicate: a JSON Lines corpus repeated K times, for larger-scale tests.

    bench/replicate.py CORPUS.jsonl K > out.jsonl
    bench/replicate.py CORPUS.jsonl K -o out.jsonl.zst

Copy k (k = 1..K) holds every document of CORPUS in file order with its id
replaced by the string "<id>-<k>"; all other members are unchanged and keep
their order.  Copies are written one after the other (all of copy 1, then
copy 2, ...), so the first N documents of the output are copy 1.  Output goes
to stdout, or to -o FILE; a FILE ending in .zst is compressed by the `zstd`
command.  A CORPUS ending in .zst is read through `zstd -dc`.  Blank lines are
dropped; a malformed line, or one without an id, is skipped with a warning on
stderr (once, for copy 1).

Runs with the system Python (/usr/bin/python3); standard library only.
Exit status: 0 ok, 2 usage error, 3 corpus missing, 4 I/O failure.
"""
import argparse
import json
import subprocess
import sys

from corpus_io import iter_docs

PROG = "replicate"


def load(path):
    """Returns the corpus as (id string, parsed object) pairs."""
    docs = []
    for line_no, doc in iter_docs(path, PROG):
        if not isinstance(doc, dict) or isinstance(doc.get("id"), bool) \
                or not isinstance(doc.get("id"), (str, int)):
            print(f"{PROG}: {path}:{line_no}: no string or integer \"id\": skipped", file=sys.stderr)
            continue
        docs.append((str(doc["id"]), doc))
    return docs


def write_copies(docs, k_max, out):
    for k in range(1, k_max + 1):
        suffix = f"-{k}"
        for id_, doc in docs:
            doc["id"] = id_ + suffix
            out.write(json.dumps(doc, ensure_ascii=False))
            out.write("\n")


def main():
    ap = argparse.ArgumentParser(prog=PROG, description="Replicate a JSON Lines corpus K times with ids <id>-<k>.")
    ap.add_argument("corpus", help="JSON Lines corpus (.zst allowed)")
    ap.add_argument("k", type=int, help="number of copies (>= 1)")
    ap.add_argument("-o", "--output", help="output file (default stdout; .zst compresses with zstd)")
    a = ap.parse_args()
    if a.k < 1:
        ap.error("K must be >= 1")
    try:
        docs = load(a.corpus)
    except FileNotFoundError:
        print(f"{PROG}: cannot open corpus '{a.corpus}': No such file or directory", file=sys.stderr)
        return 3
    try:
        if a.output and a.output.endswith(".zst"):
            p = subprocess.Popen(["zstd", "-q", "-f", "-o", a.output], stdin=subprocess.PIPE)
            with open(p.stdin.fileno(), "w", encoding="utf-8", closefd=False, buffering=1 << 20) as out:
                write_copies(docs, a.k, out)
            p.stdin.close()
            if p.wait() != 0:
                print(f"{PROG}: zstd failed writing '{a.output}'", file=sys.stderr)
                return 4
        elif a.output:
            with open(a.output, "w", encoding="utf-8", buffering=1 << 20) as out:
                write_copies(docs, a.k, out)
        else:
            out = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False, buffering=1 << 20)
            write_copies(docs, a.k, out)
            out.flush()
    except BrokenPipeError:
        return 0
    except OSError as e:
        print(f"{PROG}: cannot write '{a.output or '-'}': {e.strerror}", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
