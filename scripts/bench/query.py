"""Query latency: Quarry's query path against a Python hybrid peer doing the same work on the same data.

    python scripts/bench/query.py --quarry .build/release/quarry [--chunks 10000,100000] [--export DIR]

Runs `quarry bench query --json` first: it chunks and embeds SciFact (cached in --export), pads it with
generated chunks to each size, times every test query through Quarry's Retriever (the code behind
POST /api/v1/rag/query) and leaves the chunks, their vectors and the queries in --export. Then, on exactly
those chunks and vectors, the peers answer the same queries with answer "none" and no cache:

  python-st     the query embedded by sentence-transformers (torch, CPU), dense top 100 by numpy (chunks x
                vector), BM25 top 100 by PyPI bm25s (English stop words, Snowball stemmer), fused as Quarry
                fuses by default (min-max normalised, equal weights), top 5.
  python-tuned  the same with the query embedded by onnxruntime (the ONNX export scripts/bench/embed.py made)
                and numpy's BLAS on one thread.

Each query is timed end to end (embedding, both searches, fusion); p50 and p99 in milliseconds. Writes
eval/bench/query.json and query.md. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are recorded, never set.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def load(export, count):
    texts = []
    with open(os.path.join(export, "chunks.jsonl")) as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            if len(texts) == count:
                break
    dimensions = 384
    vectors = np.fromfile(os.path.join(export, "vectors.f32"), dtype="<f4", count=count * dimensions).reshape(count, dimensions)
    with open(os.path.join(export, "queries.jsonl")) as f:
        queries = [json.loads(line)["text"] for line in f if line.strip()]
    return texts, vectors, queries


def minmax(scores):
    low, high = scores.min(), scores.max()
    return (scores - low) / (high - low) if high > low else np.ones_like(scores)


def hybrid(dense_scores, sparse_ids, sparse_scores, k, candidates=100):
    """Quarry's default fusion: each list's top candidates min-max normalised, summed with equal weights."""
    top = np.argpartition(-dense_scores, candidates)[:candidates]
    fused = {}
    for index, score in zip(top, minmax(dense_scores[top])):
        fused[int(index)] = 0.5 * float(score)
    if len(sparse_scores):
        for index, score in zip(sparse_ids, minmax(np.asarray(sparse_scores))):
            fused[int(index)] = fused.get(int(index), 0.0) + 0.5 * float(score)
    return sorted(fused, key=fused.get, reverse=True)[:k]


def run_peer(name, embed, texts, vectors, queries, top_k):
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    for query in queries[:20]:  # warm up
        embed(query)
    latencies = []
    for query in queries:
        start = time.perf_counter()
        vector = embed(query)
        dense = vectors @ vector
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, show_progress=False)
        ids, scores = retriever.retrieve(tokens, k=100, show_progress=False, n_threads=1)
        hybrid(dense, ids[0], scores[0], top_k)
        latencies.append((time.perf_counter() - start) * 1000)
    return {"peer": name, "chunks": len(texts), "answer": "none", "cache": "miss", "queries": len(latencies),
            "p50Milliseconds": percentile(latencies, 0.5), "p99Milliseconds": percentile(latencies, 0.99)}


def sentence_transformers_embedder(model_dir):
    from sentence_transformers import SentenceTransformer, models

    transformer = models.Transformer(model_dir, max_seq_length=256)
    model = SentenceTransformer(modules=[transformer, models.Pooling(384, "mean"), models.Normalize()], device="cpu")
    return lambda text: model.encode(text, convert_to_numpy=True)


def onnx_embedder(model_dir, onnx_path):
    import onnxruntime
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    # The model's tokenizer.json pads every input to 128 tokens: a query would then be embedded
    # with a hundred [PAD] tokens attended and averaged in (a different vector, five times the work).
    tokenizer.no_padding()
    tokenizer.enable_truncation(256)
    options = onnxruntime.SessionOptions()
    session = onnxruntime.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]

    def embed(text):
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in names:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feed)[0][0]
        pooled = hidden.mean(axis=0)
        return pooled / np.linalg.norm(pooled)

    return embed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--chunks", default="10000,100000")
    parser.add_argument("--export", default=".quarry-bench/query")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--out", default="eval/bench")
    models_dir = os.environ.get("QUARRY_MODELS", os.path.expanduser(os.path.join(os.environ.get("QUARRY_CACHE", "~/.cache/quarry"), "models")))
    parser.add_argument("--model", default=os.path.join(models_dir, "all-MiniLM-L6-v2"))
    parser.add_argument("--onnx", default=os.path.join(models_dir, "all-MiniLM-L6-v2-onnx", "model.onnx"))
    args = parser.parse_args()

    command = [args.quarry, "bench", "query", "--json", "--chunks", args.chunks, "--export", args.export, "--top-k", str(args.top_k)]
    print("running", " ".join(command), file=sys.stderr, flush=True)
    quarry = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    for row in quarry:
        row["peer"] = "quarry"

    rows = list(quarry)
    st = sentence_transformers_embedder(args.model)
    # The tuned peer's model: the same ONNX export the embeddings benchmark makes (once, cached).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from embed import export_onnx
    export_onnx(args.model, args.onnx)
    tuned = onnx_embedder(args.model, args.onnx)
    # Both peers must embed as the model does (as Quarry does): a wrong vector can be fast.
    for text in load(args.export, 1)[2][:20]:
        cosine = float(np.dot(st(text), tuned(text)))
        if cosine < 0.9999:
            sys.exit(f"the tuned peer's embedding differs from sentence-transformers' (cosine {cosine:.6f}) for: {text}")
    for size in sorted(int(s) for s in args.chunks.split(",")):
        texts, vectors, queries = load(args.export, size)
        rows.append(run_peer("python-st", st, texts, vectors, queries, args.top_k))
        # The tuned peer: numpy's BLAS on one thread, as a latency-minded deployment would pin it.
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=1):
            rows.append(run_peer("python-tuned", tuned, texts, vectors, queries, args.top_k))
        print("done", size, file=sys.stderr, flush=True)

    environment = {k: os.environ.get(k, "unset") for k in ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]}
    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(), "environment": environment,
              "command": "python scripts/bench/query.py --quarry .build/release/quarry --chunks " + args.chunks, "rows": rows}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "query.json"), "w") as f:
        json.dump(report, f, indent=2)
    lines = ["# Query latency (`rag_query_latency_ms`)", "",
             f"{report['date']}, {report['cpus']} cores; OPENBLAS_CORETYPE={environment['OPENBLAS_CORETYPE']}, "
             f"OPENBLAS_L2_SIZE={environment['OPENBLAS_L2_SIZE']}. Reproduce: `{report['command']}` (or `make bench-query`).", "",
             "| chunks | who | answer | cache | p50 ms | p99 ms | queries |", "|---:|---|---|---|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['chunks']} | {row['peer']} | {row['answer']} | {row['cache']} | {row['p50Milliseconds']:.3f} | "
                     f"{row['p99Milliseconds']:.3f} | {row['queries']} |")
    lines.append("")
    quarry_none = {r["chunks"]: r for r in rows if r["peer"] == "quarry" and r["answer"] == "none" and r["cache"] == "miss"}
    for row in rows:
        if row["peer"] != "quarry" and row["chunks"] in quarry_none:
            q = quarry_none[row["chunks"]]
            lines.append(f"- {row['chunks']} chunks: Quarry p50 is {row['p50Milliseconds'] / q['p50Milliseconds']:.2f}x faster than {row['peer']} "
                         f"(p99 {row['p99Milliseconds'] / q['p99Milliseconds']:.2f}x).")
    for row in rows:
        if row["peer"] == "quarry" and row["answer"] == "none" and row["cache"] == "miss":
            lines.append(f"- {row['chunks']} chunks: Quarry's dense search against exact search: recall@10 {row['denseRecallAt10']:.4f} "
                         f"(bar 0.99), recall@100 {row['denseRecallAt100']:.4f}.")
    with open(os.path.join(args.out, "query.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
