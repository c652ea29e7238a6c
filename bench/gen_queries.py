#!/usr/bin/python3
"""gen_queries: a deterministic query log drawn from a corpus's own titles.

    bench/gen_queries.py CORPUS.jsonl [-n 1000] [--seed 42] > queries.tsv

Each query is 1 to 4 consecutive words of one document title: lowercased
words made of letters only, at least 3 letters long, minus a small English
stop list, so that every query means something and matches at least the
document it came from.  The lengths are balanced (n/4 queries of each length,
the remainder going to the shorter ones) and shuffled.  Titles are taken in
file order and chosen with Python's seeded Mersenne Twister, so the same
corpus, -n and --seed give the same file byte for byte.  A query already
drawn is drawn again (up to 100 times) so the log has few duplicates.

Output: one `qid<TAB>text` line per query, qid 1..n, the format of
`nsearch --queries` and of bench/peers/peers.py.

Runs with the system Python (/usr/bin/python3); standard library only.
A CORPUS ending in .zst is read through `zstd -dc`.
Exit status: 0 ok, 2 usage error, 3 corpus missing or without usable titles.
"""
import argparse
import random
import re
import sys

from corpus_io import iter_docs

PROG = "gen_queries"

# Function words that make a query from a title mean nothing more; kept small
# on purpose: domain words ("says", "sees", "rise") stay, they are what a
# reader of newswire titles would type.
STOP = frozenset("""
a an and are as at be but by for from has have he her his how in into is it
its not of on or our she that the their them then there these they this to
was we were what when where which who why will with would you your
""".split())

WORD = re.compile(r"[^\W\d_]+")  # runs of letters (any script)



def title_words(title):
    """The usable words of a title, in order."""
    return [w for w in WORD.findall(title.lower()) if len(w) >= 3 and w not in STOP]


def read_titles(path):
    """Returns the word lists of every title with at least one usable word."""
    titles = []
    for _, doc in iter_docs(path, PROG):
        t = doc.get("title") if isinstance(doc, dict) else None
        if isinstance(t, str):
            words = title_words(t)
            if words:
                titles.append(words)
    return titles


def generate(titles, n, seed):
    """Returns n query strings; depends only on titles, n and seed."""
    rng = random.Random(seed)
    lengths = [1 + i * 4 // n for i in range(n)] if n else []
    rng.shuffle(lengths)
    by_len = {L: [t for t in titles if len(t) >= L] for L in range(1, 5)}
    seen = set()
    out = []
    for L in lengths:
        # A corpus whose titles are all short still yields n queries.
        while not by_len[L]:
            L -= 1
        pool = by_len[L]
        for _ in range(100):
            words = rng.choice(pool)
            start = rng.randrange(len(words) - L + 1)
            q = " ".join(words[start:start + L])
            if q not in seen:
                break
        seen.add(q)
        out.append(q)
    return out


def main():
    ap = argparse.ArgumentParser(
        prog=PROG,
        description="Write a deterministic query log (qid<TAB>text) drawn from the corpus titles.")
    ap.add_argument("corpus", help="JSON Lines corpus with a 'title' member (.zst allowed)")
    ap.add_argument("-n", type=int, default=1000, help="number of queries (default 1000)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    a = ap.parse_args()
    if a.n < 0:
        ap.error("-n must be >= 0")
    try:
        titles = read_titles(a.corpus)
    except FileNotFoundError:
        print(f"{PROG}: cannot open corpus '{a.corpus}': No such file or directory", file=sys.stderr)
        return 3
    if not titles:
        print(f"{PROG}: no usable title words in '{a.corpus}'", file=sys.stderr)
        return 3
    out = sys.stdout
    for qid, q in enumerate(generate(titles, a.n, a.seed), 1):
        out.write(f"{qid}\t{q}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
