#!/usr/bin/python3
"""gen_synth: a deterministic synthetic JSON Lines corpus shaped like a real one.

    bench/gen_synth.py CORPUS.jsonl N [--seed S] [--vocab V] [-o OUT.jsonl] > OUT.jsonl

Fits a model to CORPUS (JSON Lines with title and body, e.g. Reuters-21578)
and writes N documents drawn from it, for indexing benchmarks at a scale no
public corpus here has (bench/nb_index.c, README "Benchmarks: indexing"):

  vocabulary  the corpus's words ranked by frequency, drawn with their own
              frequencies; beyond the corpus's last rank R the frequencies
              continue Zipf's law from there, c(r) = c(R) (r/R)^-s, with s
              fitted by least squares on log-frequency against log-rank over
              ranks 10..10,000.  The synthetic vocabulary is V words (default: 20
              times the corpus's, so a large synthetic corpus keeps meeting
              new words, as real text does, Heaps' law): the corpus's own
              words, then made-up words of 2..6 syllables;
  lengths     each document's title and body lengths in words are drawn from
              the corpus's own length distribution (empirical, so the long
              tail of long articles is there);
  text        words drawn independently from the Zipf distribution; a
              period after about every 18th word, a newline after about every
              12th, so the tokenizer sees punctuation.

Same arguments, same bytes: the generator seeds Python's Mersenne Twister
(random.Random(S)) and nothing else varies.  Ids are "s<n>" from 0.
Standard library only; runs with the system Python.  About 1.5 million words
a second: a million Reuters-sized documents take a couple of minutes.

Exit status: 0 ok, 2 usage error, 3 corpus missing or unreadable.
"""
import argparse
import bisect
import itertools
import json
import math
import random
import re
import sys

from corpus_io import iter_docs

PROG = "gen_synth"
WORD = re.compile(r"[^\W_]+", re.UNICODE)
SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"]


def fit(path):
    """Returns (words by rank, counts by rank, title lengths, body lengths)."""
    counts = {}
    titles, bodies = [], []
    for _, d in iter_docs(path):
        if not isinstance(d, dict):
            continue
        lens = []
        for field in ("title", "body"):
            text = d.get(field) or (d.get("text") if field == "body" else None) or ""
            if not isinstance(text, str):
                text = ""
            words = WORD.findall(text.lower())
            for w in words:
                counts[w] = counts.get(w, 0) + 1
            lens.append(len(words))
        titles.append(lens[0])
        bodies.append(lens[1])
    if not counts:
        raise ValueError("no words in the corpus")
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [w for w, _ in ranked], [c for _, c in ranked], titles, bodies


def zipf_fit(counts):
    """Least-squares fit log count = log C - s log rank, ranks 10..10000:
    returns (C, s)."""
    lo, hi = 10, min(10000, len(counts))
    if hi - lo < 10:
        lo, hi = 1, len(counts)
    xs = [math.log(r) for r in range(lo, hi + 1)]
    ys = [math.log(counts[r - 1]) for r in range(lo, hi + 1)]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    slope = sxy / sxx if sxx else -1.0
    return math.exp(my - slope * mx), -slope


def made_up_words(rng, n, taken):
    out = []
    while len(out) < n:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 6)))
        if w not in taken:
            taken.add(w)
            out.append(w)
    return out


def main(argv):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vocab", type=int, default=0, help="vocabulary size (default 20x the corpus's)")
    ap.add_argument("-o", "--output", help="output file (default: stdout)")
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    if a.n < 0:
        print(f"{PROG}: N must be >= 0", file=sys.stderr)
        return 2
    try:
        words, counts, titles, bodies = fit(a.corpus)
    except (OSError, ValueError) as e:
        print(f"{PROG}: cannot read '{a.corpus}': {e}", file=sys.stderr)
        return 3
    _, s = zipf_fit(counts)
    rng = random.Random(a.seed)
    vocab = a.vocab or 20 * len(words)
    vocab = max(vocab, len(words))
    words = words + made_up_words(rng, vocab - len(words), set(words))
    big_r, c_r = len(counts), counts[-1]
    weights = counts + [c_r * (r / big_r) ** -s for r in range(big_r + 1, vocab + 1)]
    cum = list(itertools.accumulate(weights))
    print(f"{PROG}: {len(counts)} words fitted: Zipf s = {s:.3f}; vocabulary {vocab} "
          f"({100 * (1 - cum[len(counts) - 1] / cum[-1]):.2f}% of draws beyond the corpus's words); "
          f"mean lengths title {sum(titles) / len(titles):.1f}, body {sum(bodies) / len(bodies):.1f} words",
          file=sys.stderr)
    out = open(a.output, "w", encoding="utf-8") if a.output else sys.stdout
    choices = rng.choices
    try:
        write(out, a.n, rng, choices, words, cum, titles, bodies)
    except BrokenPipeError:
        return 0
    if out is not sys.stdout:
        out.close()
    return 0


def write(out, n, rng, choices, words, cum, titles, bodies):
    for i in range(n):
        tl, bl = rng.choice(titles), rng.choice(bodies)
        ws = choices(words, cum_weights=cum, k=tl + bl)
        title = " ".join(ws[:tl]).upper()
        body = ws[tl:]
        for j in range(17, len(body), 18):
            body[j] += "."
        for j in range(11, len(body), 12):
            body[j] += "\n"
        out.write(json.dumps({"id": f"s{i}", "title": title, "body": " ".join(body)},
                             ensure_ascii=False))
        out.write("\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
