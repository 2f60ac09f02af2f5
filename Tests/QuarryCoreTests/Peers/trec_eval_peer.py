"""Evaluates a TREC run file against a qrels file with pytrec_eval (trec_eval's own code) and
prints the mean of nDCG@10, Recall@100, MRR@10 (recip_rank on the run cut at 10) and MAP as JSON;
with --per-query, each query's instead (trec_eval's -q), keyed by query id.

    python trec_eval_peer.py QRELS RUN [--per-query]
"""
import json
import sys

import pytrec_eval


def read_qrels(path):
    qrels = {}
    with open(path) as f:
        for line in f:
            query, _, document, grade = line.split()
            qrels.setdefault(query, {})[document] = int(grade)
    return qrels


def read_run(path):
    run = {}
    with open(path) as f:
        for line in f:
            query, _, document, _, score, _ = line.split()
            run.setdefault(query, {})[document] = float(score)
    return run


qrels, run = read_qrels(sys.argv[1]), read_run(sys.argv[2])
full = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100", "map"}).evaluate(run)
# recip_rank has no cut in trec_eval: cut the ranking itself at 10, in trec_eval's order.
def trec_order(scores):
    by_document = sorted(scores.items(), key=lambda item: item[0].encode(), reverse=True)
    return sorted(by_document, key=lambda item: -item[1])  # stable: ties keep descending ids


top10 = {query: dict(trec_order(scores)[:10]) for query, scores in run.items()}
mrr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(top10)
queries = sorted(full)
if "--per-query" in sys.argv[3:]:
    print(json.dumps({q: {"ndcg@10": full[q]["ndcg_cut_10"], "recall@100": full[q]["recall_100"], "mrr@10": mrr[q]["recip_rank"], "ap": full[q]["map"]}
                      for q in queries}))
    sys.exit(0)
print(json.dumps({
    "ndcg@10": sum(full[q]["ndcg_cut_10"] for q in queries) / len(queries),
    "recall@100": sum(full[q]["recall_100"] for q in queries) / len(queries),
    "mrr@10": sum(mrr[q]["recip_rank"] for q in queries) / len(queries),
    "map": sum(full[q]["map"] for q in queries) / len(queries),
    "queries": len(queries),
}))
