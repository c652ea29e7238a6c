"""corpus_io: reading a JSON Lines corpus, plain or zstd-compressed, for the
bench scripts (gen_queries.py, replicate.py)."""
import subprocess


def open_corpus(path):
    """Returns a binary file object of the corpus at path, read through
    `zstd -dc` when the name ends in .zst."""
    if path.endswith(".zst"):
        p = subprocess.Popen(["zstd", "-dc", "--", path], stdout=subprocess.PIPE)
        return p.stdout
    return open(path, "rb")
