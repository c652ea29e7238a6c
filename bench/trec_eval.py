#!/usr/bin/env python3
"""Scores a TREC run file against TREC qrels: MAP, nDCG@10, P@10, recall@1000.

Usage: trec_eval.py QRELS RUN [--json]

QRELS lines: "qid 0 docid grade" (grade > 0 is relevant; nDCG uses the grade
as gain).  RUN lines: "qid Q0 docid rank score tag" (nsearch --format trec).
Queries in the qrels but absent from the run score 0 (as trec_eval -c).
"""
import json
import math
import sys
from collections import defaultdict


def load_qrels(path):
    rel = defaultdict(dict)
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 4:
                rel[p[0]][p[2]] = int(p[3])
    return rel


def load_run(path):
    run = defaultdict(list)
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 6:
                run[p[0]].append((int(p[3]), float(p[4]), p[2]))
    for q in run:
        run[q].sort(key=lambda r: (r[0]))
    return run


def evaluate(rel, run):
    ap_sum = ndcg_sum = p10_sum = r1000_sum = 0.0
    n = 0
    for q, judged in rel.items():
        relevant = {d for d, g in judged.items() if g > 0}
        if not relevant:
            continue
        n += 1
        docs = [d for _, _, d in run.get(q, [])]
        hits = 0
        ap = 0.0
        for i, d in enumerate(docs, 1):
            if d in relevant:
                hits += 1
                ap += hits / i
        ap_sum += ap / len(relevant)
        p10_sum += sum(1 for d in docs[:10] if d in relevant) / 10
        r1000_sum += sum(1 for d in docs[:1000] if d in relevant) / len(relevant)
        dcg = sum(judged.get(d, 0) / math.log2(i + 1) for i, d in enumerate(docs[:10], 1)
                  if judged.get(d, 0) > 0)
        ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, 1))
        ndcg_sum += dcg / idcg if idcg else 0.0
    return {"queries": n, "map": ap_sum / n, "ndcg@10": ndcg_sum / n, "p@10": p10_sum / n,
            "recall@1000": r1000_sum / n}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    m = evaluate(load_qrels(args[0]), load_run(args[1]))
    if "--json" in sys.argv:
        print(json.dumps(m))
    else:
        print("queries %d  MAP %.4f  nDCG@10 %.4f  P@10 %.4f  R@1000 %.4f" % (
            m["queries"], m["map"], m["ndcg@10"], m["p@10"], m["recall@1000"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
