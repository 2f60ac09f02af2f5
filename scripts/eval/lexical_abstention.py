"""Could a lexical bar tell SQuAD 2.0's unanswerable questions from answerable ones?

For every question of a SQuAD-style set (passages.jsonl, questions.jsonl), the share of its terms
(Quarry's analysis: Lucene's English stop words, Porter's stemmer) found in the best sentence of
its own passage. Prints, for bars from 0.3 to 1.0, how often each kind would fall below the bar,
that is, be answered "no answer found". No retrieval: the gold passage is given, the most
favourable case for such a bar.

    python scripts/eval/lexical_abstention.py ../shared/datasets/qa/squad2-half
"""
import json
import re
import sys

from nltk.stem.porter import PorterStemmer

STOP = set("a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with".split())
stemmer = PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)


def terms(text):
    return {stemmer.stem(w) for w in re.findall(r"[^\W_]+", text.lower()) if w not in STOP}


def main(directory):
    passages = {}
    with open(f"{directory}/passages.jsonl") as f:
        for line in f:
            p = json.loads(line)
            passages[p["_id"]] = [terms(s) for s in re.split(r"(?<=[.!?])\s+", p["text"])]
    rows = []
    with open(f"{directory}/questions.jsonl") as f:
        for line in f:
            q = json.loads(line)
            wanted = terms(q["question"])
            if not wanted:
                continue
            best = max((len(wanted & s) / len(wanted) for s in passages.get(q["gold_passage_id"], [])), default=0)
            rows.append((q["is_impossible"], best))
    answerable = [b for impossible, b in rows if not impossible]
    unanswerable = [b for impossible, b in rows if impossible]
    print(f"{len(answerable)} answerable, {len(unanswerable)} unanswerable questions")
    print("| bar | unanswerable below (abstained) | answerable below (lost) |")
    print("|---:|---:|---:|")
    for bar in (0.3, 0.4, 0.5, 0.6, 2 / 3, 0.8, 1.0):
        below = lambda values: sum(v < bar for v in values) / len(values)
        print(f"| {bar:.2f} | {below(unanswerable):.3f} | {below(answerable):.3f} |")


if __name__ == "__main__":
    main(sys.argv[1])
