"""The Python peer of `make bench-ingest`: the same PDFs to searchable with PyMuPDF, onnxruntime int8 and Qdrant's engine.

    python scripts/bench/ingest_peer.py --pdfs FOLDER --data SCRATCH [--model DIR] [--onnx PATH]

What a Python team would build for bulk indexing, given the strongest CPU parts embed.py found:
  parse     PyMuPDF (MuPDF), `page.get_text()` per page; a PDF with no text on any page is left out as
            needing OCR, an encrypted one as needing its password, as Quarry does.
  chunk     the document's text cut into windows of at most 254 model tokens (256 with [CLS] and [SEP],
            Quarry's chunk size) overlapping by 32 tokens, by the model's Hugging Face fast tokenizer;
            each chunk keeps the page it starts on.
  embed     all-MiniLM-L6-v2 as onnxruntime int8 (`quantize_dynamic` per channel, the session's graph
            optimisations on: embed.py's int8 peer), all cores; batches of 32 chunks sorted by length, so
            that padding stays small; mean pooling and L2 normalisation in numpy.
  store     one qdrant-edge shard (Qdrant's engine, in process): 384-d cosine vectors with the chunk's
            document, page and text as payload, optimised (HNSW built) as Qdrant's server would once
            a segment passes its indexing threshold, and once more at the end, after which it answers.
Parsing and chunking run on a thread ahead of embedding (onnxruntime releases the GIL while it runs), so
the encoder waits on the parser only when the parser is behind. The clock runs from the first PDF opened
to the last point searchable. Prints one JSON line: documents, indexed, pages, chunks, tokens, seconds.
The peer writes dense vectors only; Quarry also writes each chunk's sparse (BM25) vector for hybrid search.
"""
import argparse
import glob
import json
import os
import queue
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from embed import MODELS, export_onnx, quantised_onnx  # noqa: E402  (the same peer model as embed.py's)

CHUNK_TOKENS = 254  # 256 with [CLS] and [SEP]
OVERLAP_TOKENS = 32
BATCH = 32
SORT_WINDOW = 8 * BATCH  # chunks gathered before sorting by length into batches
OPTIMIZE_EVERY = 6_500  # points: about Qdrant's indexing threshold for 384-d vectors (scripts/testservers)


def parse(path, tokenizer):
    """(pages, chunks) of one PDF, chunks as (page, ids), or a reason it cannot be indexed."""
    import pymupdf

    with pymupdf.open(path) as document:
        if document.needs_pass:
            return "the PDF is encrypted: supply its password"
        texts = [(page.number + 1, page.get_text()) for page in document]
    texts = [(number, text) for number, text in texts if text.strip()]
    if not texts:
        return "no page has a text layer: run OCR first"
    ids, pages = [], []
    for number, text in texts:
        page_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        ids += page_ids
        pages += [number] * len(page_ids)
    chunks, start = [], 0
    while start < len(ids):
        end = min(start + CHUNK_TOKENS, len(ids))
        chunks.append((pages[start], [tokenizer.cls_token_id] + ids[start:end] + [tokenizer.sep_token_id]))
        if end == len(ids):
            break
        start = end - OVERLAP_TOKENS
    return len(texts), chunks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdfs", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", default=os.path.join(MODELS, "all-MiniLM-L6-v2"))
    parser.add_argument("--onnx", default=os.path.join(MODELS, "all-MiniLM-L6-v2-onnx", "model.onnx"))
    args = parser.parse_args()

    import onnxruntime
    import qdrant_edge as qe
    from transformers import AutoTokenizer

    export_onnx(args.model, args.onnx)
    session = onnxruntime.InferenceSession(quantised_onnx(args.onnx), onnxruntime.SessionOptions(), providers=["CPUExecutionProvider"])
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    tokenizer.model_max_length = 1 << 30  # whole documents are tokenised, then cut into windows
    shard = qe.EdgeShard.create(os.path.join(args.data, "shard"),
                                qe.EdgeConfig(vectors=qe.EdgeVectorParams(size=384, distance=qe.Distance.Cosine)))
    pdfs = sorted(glob.glob(os.path.join(args.pdfs, "**", "*.pdf"), recursive=True))
    parsed = queue.Queue(maxsize=4)
    failures = {}

    def parse_all():
        for number, path in enumerate(pdfs):
            try:
                result = parse(path, tokenizer)
            except Exception as error:  # a malformed PDF: left out with its reason, as Quarry does
                result = f"cannot be parsed: {error}"
            if isinstance(result, str):
                failures[os.path.basename(path)] = result
            else:
                parsed.put((number, *result))
        parsed.put(None)

    def embed(batch):
        length = max(len(ids) for _, _, ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        for row, (_, _, chunk) in enumerate(batch):
            ids[row, :len(chunk)] = chunk
        mask = (ids != 0).astype(np.int64)
        hidden = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    written = since_optimize = tokens = pages = indexed = 0

    def store(waiting):
        nonlocal written, since_optimize, tokens
        waiting.sort(key=lambda item: len(item[2]))
        for start in range(0, len(waiting), BATCH):
            batch = waiting[start:start + BATCH]
            vectors = embed(batch)
            points = [qe.Point(written + row, vector.tolist(), {"document": document, "page": page, "text": tokenizer.decode(ids[1:-1])})
                      for row, ((document, page, ids), vector) in enumerate(zip(batch, vectors))]
            shard.update(qe.UpdateOperation.upsert_points(points))
            written += len(points)
            since_optimize += len(points)
            tokens += sum(len(ids) for _, _, ids in batch)
            if since_optimize >= OPTIMIZE_EVERY:
                shard.optimize()
                since_optimize = 0

    started = time.perf_counter()
    threading.Thread(target=parse_all, daemon=True).start()
    waiting = []
    while (item := parsed.get()) is not None:
        number, document_pages, chunks = item
        indexed += 1
        pages += document_pages
        waiting += [(number, page, ids) for page, ids in chunks]
        if len(waiting) >= SORT_WINDOW:
            store(waiting)
            waiting = []
    store(waiting)
    shard.optimize()
    seconds = time.perf_counter() - started
    if shard.info().points_count != written:
        sys.exit(f"ingest_peer.py: {written} points written, {shard.info().points_count} in the shard")
    print(json.dumps({"documents": len(pdfs), "indexed": indexed, "pages": pages, "chunks": written, "tokens": tokens,
                      "seconds": seconds, "not_indexed": failures, "onnxruntime": onnxruntime.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
