"""Embeddings benchmark: Quarry's encoder against onnxruntime and sentence-transformers on the same token ids, in one run.

    python scripts/bench/embed.py --quarry .build/release/quarry [--queries 200] [--runs 5] [--model DIR]

Every peer runs all-MiniLM-L6-v2 from the same model folder on the same inputs as `quarry bench embed`:
the query "what is the capital city of france?" (10 ids with [CLS] and [SEP]) embedded alone, --queries
times after one warm-up, reported as p50 and p99 milliseconds; and a batch of 32 inputs of 200 ids (the
passage below repeated 20 times, cut to 200 tokens, [CLS] and [SEP] kept; input i has id 1000+i at position
1 so that no two are equal), embedded --runs times, reported as the median and as tokens per second. The
ids are Quarry's own (`quarry embed --tokens`) and are checked against the model's Hugging Face tokenizer;
the peers are given the ids, so only the encoder, mean pooling and L2 normalisation are timed.

Peers, each in its own process (so that thread pools and resident memory are its own), with their defaults:
  onnxruntime  fp32, default session options (all cores), on an ONNX export of the same weights made here
               with torch.onnx (TorchScript exporter, eager attention, output last_hidden_state) once, cached
               in $QUARRY_MODELS/all-MiniLM-L6-v2-onnx/model.onnx; pooling and normalisation in numpy.
  onnxruntime-optimised  the same export through onnxruntime's transformer optimiser (model type bert), fp32.
  onnxruntime-int8  the export quantised by quantize_dynamic (int8 weights per channel, 7-bit on CPUs without
               VNNI as onnxruntime advises); its embeddings are held to cosine >= 0.98 instead.
  sentence-transformers  on torch (CPU), the model loaded from the folder; its forward is fed the ids.
Quarry runs twice: its batch on the half path, then on its int8 path (`--precision int8`), which the
embedder takes for documents only where that path passes its gate (the row says whether it does).
Before timing, each peer's embeddings of the query and of a 256-token passage must match Quarry's
(`quarry embed --json`) with cosine >= 0.9999, so that all run the same model. OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE are recorded as found, never set. Writes eval/bench/embed.json and embed.md.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
import warnings

# The model is read from its folder; never ask a hub for it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import numpy as np


QUERY = "what is the capital city of france?"
PASSAGE = "Quarry indexes documents and answers questions with exact citations, page numbers and boxes on the page. "
BATCH_INPUTS, BATCH_LENGTH = 32, 200
MIN_COSINE = 0.9999
OTHERS_ALLOWED = 2.0  # CPU seconds other processes may take during the run before it is flagged as not clean
CACHE = os.environ.get("QUARRY_CACHE", os.path.expanduser("~/.cache/quarry"))
MODELS = os.environ.get("QUARRY_MODELS", os.path.join(CACHE, "models"))


def resident_megabytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def measure(embed, query, batch, queries, runs):
    """What `quarry bench embed` measures, the same way: one warm-up query, then the query alone, then the batch."""
    embed(query)
    resident_after_load = resident_megabytes()
    latencies = []
    for _ in range(queries):
        start = time.perf_counter()
        embed(query)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        embed(batch)
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    median = seconds[runs // 2]
    return {"queryP50Milliseconds": latencies[queries // 2],
            "queryP99Milliseconds": latencies[min(queries - 1, queries * 99 // 100)],
            "batchMedianSeconds": median, "batchSeconds": seconds,
            "batchTokensPerSecond": batch.size / median,
            "residentMegabytesAfterLoad": resident_after_load}


def optimised_onnx(onnx_path):
    """The export fused by onnxruntime's transformer optimiser (model type bert: attention, skip layer
    normalisation, bias GELU), made once beside the export."""
    from onnxruntime.transformers.optimizer import optimize_model

    path = onnx_path.replace(".onnx", "-optimised.onnx")
    if not os.path.exists(path):
        optimize_model(onnx_path, model_type="bert", num_heads=12, hidden_size=384).save_model_to_file(path + ".partial")
        os.replace(path + ".partial", path)
    return path


def quantised_onnx(onnx_path):
    """The export with onnxruntime's dynamic int8 quantisation: int8 weights per output channel,
    activations quantised per tensor as they come; `reduce_range` (7-bit weights), which onnxruntime
    advises on CPUs without VNNI, where its u8·s8 products would otherwise saturate. It quantises the
    plain export (its shape inference cannot type the optimiser's fused operators); the session's own
    graph optimisations, all on by default, then fuse what they can of the quantised graph."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    path = onnx_path.replace(".onnx", "-int8.onnx")
    if not os.path.exists(path):
        quantize_dynamic(onnx_path, path + ".partial", weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=not cpu_has("avx512_vnni") and not cpu_has("avx_vnni"))
        os.replace(path + ".partial", path)
    return path


def cpu_has(flag):
    with open("/proc/cpuinfo") as f:
        return any(line.startswith("flags") and flag in line.split() for line in f)


def onnxruntime_peer(model_dir, onnx_path, variant="fp32"):
    import onnxruntime

    path = {"fp32": lambda: onnx_path, "fp32, transformer optimiser": lambda: optimised_onnx(onnx_path),
            "int8 (quantize_dynamic)": lambda: quantised_onnx(onnx_path)}[variant]()
    tasks = len(os.listdir("/proc/self/task"))
    options = onnxruntime.SessionOptions()
    session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    # The intra-op pool starts threads - 1 workers beside the calling thread.
    threads = len(os.listdir("/proc/self/task")) - tasks + 1

    def embed(ids):
        mask = np.ones_like(ids)
        hidden = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    info = {"peer": f"onnxruntime {onnxruntime.__version__}, {variant}", "threads": threads,
            "intraOpNumThreadsOption": options.intra_op_num_threads, "providers": session.get_providers()}
    return embed, info


def sentence_transformers_peer(model_dir, onnx_path):
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    if os.path.exists(os.path.join(model_dir, "modules.json")):
        model = SentenceTransformer(model_dir, device="cpu")
    else:  # a bare Hugging Face folder: the pipeline sentence-transformers ships for this model
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
        model = SentenceTransformer(modules=[Transformer(model_dir), Pooling(384, "mean"), Normalize()], device="cpu")
    model.eval()

    def embed(ids):
        ids = torch.from_numpy(ids)
        features = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "token_type_ids": torch.zeros_like(ids)}
        with torch.inference_mode():
            return model(features)["sentence_embedding"].numpy()

    info = {"peer": f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}",
            "threads": torch.get_num_threads()}
    return embed, info


PEERS = {"onnxruntime": onnxruntime_peer,
         "onnxruntime-optimised": lambda model, onnx: onnxruntime_peer(model, onnx, "fp32, transformer optimiser"),
         "onnxruntime-int8": lambda model, onnx: onnxruntime_peer(model, onnx, "int8 (quantize_dynamic)"),
         "sentence-transformers": sentence_transformers_peer}
# An int8 peer computes another function of the same model: its embeddings are held to this bar instead.
MIN_COSINE_INT8 = 0.98


def run_peer(name, model_dir, onnx_path, queries, runs):
    """Worker process: read the ids on stdin, check the embeddings, measure, print JSON."""
    inputs = json.load(sys.stdin)
    embed, info = PEERS[name](model_dir, onnx_path)
    checks = [embed(np.array([ids], dtype=np.int64))[0].tolist() for ids in inputs["check"]]
    query = np.array([inputs["query"]], dtype=np.int64)
    batch = np.array(inputs["batch"], dtype=np.int64)
    json.dump({**info, "checkEmbeddings": checks, **measure(embed, query, batch, queries, runs)}, sys.stdout)


def export_onnx(model_dir, path):
    """The model as ONNX (input_ids, attention_mask -> last_hidden_state), exported once."""
    if os.path.exists(path):
        return False
    import torch
    from transformers import AutoModel

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # Two rows, one padded, so that the traced graph keeps the attention mask.
    ids = torch.tensor([[101, 2054, 2003, 1996, 3007, 102], [101, 2054, 2003, 102, 0, 0]])
    axes = {0: "batch", 1: "sequence"}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = path + ".partial"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer notes: expected, not results
        torch.onnx.export(Encoder(), (ids, (ids != 0).long()), partial, input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes})
    os.replace(partial, path)
    return True


def quarry_inputs(quarry, model_dir):
    """Quarry's ids and embeddings for the query and the long passage, checked against the HF tokenizer."""
    out = json.loads(subprocess.run([quarry, "embed", "--json", "--tokens", QUERY, PASSAGE * 20],
                                    check=True, capture_output=True, text=True).stdout)
    query, passage = out["tokens"]
    long = passage[:BATCH_LENGTH - 1] + passage[-1:]  # cut to 200, [SEP] kept: what `encode(maxLength: 200)` does
    batch = [long[:1] + [1000 + i] + long[2:] for i in range(BATCH_INPUTS)]

    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    for name, mine, theirs in [("query", query, tokenizer(QUERY)["input_ids"]),
                               ("passage", long, tokenizer(PASSAGE * 20, truncation=True, max_length=BATCH_LENGTH)["input_ids"])]:
        if mine != theirs:
            sys.exit(f"embed.py: Quarry's {name} ids differ from the Hugging Face tokenizer's:\n{mine}\n{theirs}")
    return {"query": query, "batch": batch, "check": [query, passage]}, out["embeddings"]


def cosine(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def busy_cpu_seconds():
    """CPU time spent by the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq = map(int, f.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    """CPU time of this process and of the finished children it waited for (Quarry and the peers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def cpu_model():
    with open("/proc/cpuinfo") as f:
        return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), platform.machine())


def versions():
    from importlib.metadata import version
    found = {"python": platform.python_version()}
    for package in ["numpy", "onnxruntime", "onnx", "torch", "transformers", "sentence-transformers"]:
        found[package] = version(package)
    return found


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quarry")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--model", default=os.path.join(MODELS, "all-MiniLM-L6-v2"))
    parser.add_argument("--onnx", default=os.path.join(MODELS, "all-MiniLM-L6-v2-onnx", "model.onnx"))
    parser.add_argument("--out", default="eval/bench")
    parser.add_argument("--peer", choices=PEERS, help=argparse.SUPPRESS)  # internal: one peer's worker process
    args = parser.parse_args()
    if args.peer:
        return run_peer(args.peer, args.model, args.onnx, args.queries, args.runs)
    if not args.quarry:
        parser.error("--quarry is required")
    if args.runs < 5:
        parser.error("--runs must be at least 5")

    binary = sha256(args.quarry)  # before the run: what was measured, should the binary be rebuilt meanwhile
    inputs, quarry_embeddings = quarry_inputs(args.quarry, args.model)
    exported = export_onnx(args.model, args.onnx)
    load, started = os.getloadavg()[0], time.monotonic()
    others_before = busy_cpu_seconds() - own_cpu_seconds()

    def quarry_run(precision):
        run = json.loads(subprocess.run(
            [args.quarry, "bench", "embed", "--json", "--queries", str(args.queries), "--runs", str(args.runs),
             "--precision", precision], check=True, capture_output=True, text=True).stdout)
        if (run["queryTokens"], run["batchInputs"], run["batchTokensPerInput"]) != \
                (len(inputs["query"]), BATCH_INPUTS, BATCH_LENGTH):
            sys.exit(f"embed.py: quarry bench embed measured other inputs than the peers': {run}")
        return run

    quarry = quarry_run("half")
    results = [{"peer": f"Quarry ({quarry['kernels']})", **quarry}]
    int8 = quarry_run("int8")
    gate = "passes its gate" if int8["int8Taken"] else "refused by its gate"
    results.append({"peer": f"Quarry ({int8['kernels']}), int8 batch ({gate})", **int8})

    for name in PEERS:
        worker = subprocess.run([sys.executable, __file__, "--peer", name, "--model", args.model, "--onnx", args.onnx,
                                 "--queries", str(args.queries), "--runs", str(args.runs)],
                                input=json.dumps(inputs), check=True, stdout=subprocess.PIPE, text=True)
        result = json.loads(worker.stdout)
        cosines = [cosine(mine, theirs) for mine, theirs in zip(result.pop("checkEmbeddings"), quarry_embeddings)]
        if min(cosines) < (MIN_COSINE_INT8 if name.endswith("int8") else MIN_COSINE):
            sys.exit(f"embed.py: {result['peer']} embeds differently from Quarry (cosines {cosines}): not the same model")
        results.append({**result, "cosineToQuarry": {"query": cosines[0], "passage256": cosines[1]}})

    others = busy_cpu_seconds() - own_cpu_seconds() - others_before
    wall = time.monotonic() - started
    for r in results:
        r["throughputQuarryOverPeer"] = quarry["batchTokensPerSecond"] / r["batchTokensPerSecond"]
        r["p50PeerOverQuarry"] = r["queryP50Milliseconds"] / quarry["queryP50Milliseconds"]

    command = (f"make bench-embed  (python scripts/bench/embed.py --quarry .build/release/quarry "
               f"--queries {args.queries} --runs {args.runs})")
    report = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{cpu_model()}, {os.cpu_count()} cores",
        "cpu": cpu_model(), "nproc": os.cpu_count(), "loadAverageAtStart": load,
        "otherProcessesCpuSecondsDuringRun": others, "wallSecondsOfRun": wall,
        "environment": {v: os.environ.get(v, "unset") for v in ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                                "OMP_NUM_THREADS", "MKL_NUM_THREADS"]},
        "versions": versions(),
        "command": command,
        "quarryBinary": {"path": args.quarry, "sha256": binary},
        "model": args.model,
        "onnx": {"path": args.onnx, "exportedThisRun": exported, "sha256": sha256(args.onnx)},
        "inputs": {"query": QUERY, "queryIds": inputs["query"], "passage": PASSAGE, "passageRepeats": 20,
                   "batchInputs": BATCH_INPUTS, "batchTokensPerInput": BATCH_LENGTH,
                   "batchIds0": inputs["batch"][0], "batchVariation": "id at position 1 of input i is 1000 + i"},
        "queries": args.queries, "runs": args.runs, "results": results,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "embed.json"), "w") as f:
        json.dump(report, f, indent=2)

    env = ", ".join(f"{k}={v}" for k, v in report["environment"].items() if k.startswith("OPENBLAS"))
    lines = [f"Embeddings benchmark, {report['date']}, {report['machine']}: all-MiniLM-L6-v2 on the same token ids; "
             f"query of {len(inputs['query'])} ids, p50/p99 of {args.queries}; batch of {BATCH_INPUTS} × {BATCH_LENGTH} "
             f"ids, median of {args.runs} runs. Every peer's embeddings match Quarry's (cosine ≥ {MIN_COSINE}; the int8 "
             f"peer's ≥ {MIN_COSINE_INT8}). "
             f"Load average {load:.2f} at start; other processes used {others:.1f} CPU s during the run; {env}.",
             f"Reproduce: `{command}`", ""]
    if others > OTHERS_ALLOWED:
        lines += [f"**Not a clean run**: other processes took {others:.0f} CPU s of the {wall * os.cpu_count():.0f} "
                  "the cores had during it; run again on an idle machine before quoting these numbers.", ""]
    lines += ["| peer | threads | query p50 ms | query p99 ms | batch median s | batch tokens/s | "
              "Quarry ÷ peer tokens/s | peer ÷ Quarry p50 | RSS after load MB |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['peer']} | {r['threads']} | {r['queryP50Milliseconds']:.2f} | {r['queryP99Milliseconds']:.2f} | "
                     f"{r['batchMedianSeconds']:.3f} | {r['batchTokensPerSecond']:.0f} | "
                     f"{r['throughputQuarryOverPeer']:.2f} | {r['p50PeerOverQuarry']:.2f} | "
                     f"{r['residentMegabytesAfterLoad']:.0f} |")
    versions_line = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    lines += ["", f"Versions: {versions_line}. The Python peers' resident memory includes the interpreter and "
                  "their libraries."]
    with open(os.path.join(args.out, "embed.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
