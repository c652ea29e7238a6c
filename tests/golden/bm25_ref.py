#!/usr/bin/env python3
"""An independent BM25 over tests/golden/v1.jsonl, for test_sr_golden.

Not nsearch's code: tokens are runs of Unicode letters and digits, case
folded (a possessive 's dropped), stop words (Lucene's English list) count
in document lengths but are never terms, and there is no stemmer, so the
queries use only words that stemming leaves as they are and that no other
word of the corpus stems to (the test checks nsearch ranks the same
documents).  BM25: k1 = 1.2, b = 0.75, idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
N the documents with at least one word, avgdl their mean length, a
document's score its terms' contributions summed in query order.  Writes
'query<TAB>id<TAB>score' (%.17g), best first, ties by input order:

    tests/golden/bm25_ref.py > tests/golden/bm25_ref.tsv
"""
import json
import math
import os
import re
import sys

STOP = set("a an and are as at be but by for if in into is it no not of on or such that the "
           "their then there these they this to was will with".split())
QUERIES = ["cocoa", "price", "rare", "cocoa price", "common rare", "price cocoa fill",
           "moscow", "document rare cocoa", "fill common", "common fill document rare",
           "rare document fill common 17", "fill rare 5 common document filler"]
K1, B = 1.2, 0.75
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def tokens(text):
    out = []
    for w in (w.casefold() for w in WORD.findall(text)):
        if w.endswith("'s"):
            w = w[:-2]
        out.extend(w.split("'"))
    return out


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "v1.jsonl")
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            toks = tokens(d.get("title", "") + "\n" + d.get("body", d.get("text", "")))
            tf = {}
            for t in toks:
                if t not in STOP:
                    tf[t] = tf.get(t, 0) + 1
            docs.append((str(d["id"]), len(toks), tf))
    live = [d for d in docs if d[1] > 0]
    n = float(len(live))
    avgdl = sum(d[1] for d in live) / n
    for q in QUERIES:
        terms = q.split()
        idf = {}
        for t in terms:
            df = sum(1 for d in live if t in d[2])
            idf[t] = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        hits = []
        for i, (did, dl, tf) in enumerate(live):
            if not any(t in tf for t in terms):
                continue
            s = 0.0
            for t in terms:
                if t in tf:
                    f = float(tf[t])
                    s += idf[t] * (f * (K1 + 1.0) / (f + K1 * (1.0 - B + B * float(dl) / avgdl)))
            hits.append((-s, i, did, s))
        hits.sort()
        for _, _, did, s in hits:
            sys.stdout.write("%s\t%s\t%.17g\n" % (q, did, s))


if __name__ == "__main__":
    main()
