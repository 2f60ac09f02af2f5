"""Bulk indexing throughput: PDFs to searchable, embedded, across worker processes on Redis, MongoDB and Qdrant, and a Python peer.

    python scripts/bench/ingest.py --quarry .build/release/quarry [--pdfs ../shared/corpora/pdf] [--workers 1,2] [--rounds 1]

Setups, each on the same PDFs, in one run, interleaved when there are several rounds:
- embedded: one `quarry index --json FOLDER` on a fresh data directory (SQLite and the embedded index,
  the job run in that process); the clock runs from the start of the process to its exit, model load
  included.
- production topology, for each worker count: fresh test servers (redis-server; SecantusDB for MongoDB;
  Qdrant's engine behind scripts/testservers/qdrant_edge_server.py), `quarry serve` and N
  `quarry worker --concurrency 1` processes, all on loopback. The PDFs' folder is the server's
  index_root, indexed by one bulk index job (POST /api/v1/index-jobs); the clock runs from the
  submission until the job has completed.
- Python peer: scripts/bench/ingest_peer.py (PyMuPDF, onnxruntime int8, Qdrant's engine in process);
  the clock runs from its first PDF opened to its last point searchable.
Reports pages/s and chunks/s of the documents indexed (median over rounds). Pages are the figure to
compare across setups: the peer cuts fixed token windows where Quarry cuts at headings, blocks and
sentences, so chunk counts differ. Writes eval/bench/ingest.json and ingest.md.
"""
import argparse
import datetime
import glob
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from embed import cpu_model  # noqa: E402  (one reading of the CPU's name for every benchmark)

VENV = os.path.join(os.environ.get("QUARRY_CACHE", os.path.expanduser("~/.cache/quarry")), "venv", "bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int) -> None:
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def call(url: str, token: str, body: dict = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def production(quarry: str, folder: str, workers: int, scratch: str) -> dict:
    ports = {name: free_port() for name in ("redis", "mongo", "qdrant")}
    services = [
        subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(ports["redis"]), "--save", "", "--appendonly", "no"],
                         stdout=subprocess.DEVNULL),
        subprocess.Popen([f"{VENV}/secantusd-py", "--host", "127.0.0.1", "--port", str(ports["mongo"]), "--storage-path",
                          os.path.join(scratch, "mongo"), "--log-level", "WARNING"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([f"{VENV}/python", "scripts/testservers/qdrant_edge_server.py", "--port", str(ports["qdrant"]), "--data",
                          os.path.join(scratch, "qdrant")], stderr=subprocess.DEVNULL),
    ]
    processes = []
    try:
        for port in ports.values():
            wait_for_port(port)
        environment = dict(os.environ, QUARRY_QUEUE="redis", QUARRY_REDIS_URL=f"redis://127.0.0.1:{ports['redis']}",
                           QUARRY_DOCUMENT_STORE="mongodb", QUARRY_MONGODB_URI=f"mongodb://127.0.0.1:{ports['mongo']}/quarry",
                           QUARRY_VECTOR_STORE="qdrant", QUARRY_QDRANT_URL=f"http://127.0.0.1:{ports['qdrant']}",
                           QUARRY_INDEX_ROOT=folder)
        server = subprocess.Popen([quarry, "serve", "--port", "0", "--data", os.path.join(scratch, "api")], env=environment,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        processes.append(server)
        url = server.stdout.readline().strip().removeprefix("Quarry is listening on ")
        token = next(line.strip() for line in server.stdout if line.count(".") == 2 and " " not in line.strip())
        for n in range(workers):
            processes.append(subprocess.Popen([quarry, "worker", "--concurrency", "1", "--port", "0", "--data",
                                               os.path.join(scratch, f"worker{n}")], env=environment, stderr=subprocess.DEVNULL))
        time.sleep(3)  # the workers load the model
        start = time.perf_counter()
        job = call(f"{url}/api/v1/index-jobs", token, {"paths": ["."]})
        while job["status"] != "completed":
            time.sleep(0.2)
            job = call(f"{url}{job['status_url']}", token)
        elapsed = time.perf_counter() - start
        return row(f"Redis + MongoDB + Qdrant, {workers} worker process{'es' if workers > 1 else ''}", workers, job, elapsed)
    finally:
        for process in processes + services:
            process.terminate()
        for process in processes + services:
            process.wait()


def row(setup: str, processes: int, job: dict, seconds: float) -> dict:
    """One measurement from an index job's body (the API's, or `quarry index --json`'s)."""
    return {"setup": setup, "processes": processes, "documents": job["total"], "indexed": job["counts"].get("indexed", 0),
            "pages": job["pages"], "chunks": job["chunks"], "seconds": seconds,
            "not_indexed": {os.path.basename(failure["source"]): failure["reason"] for failure in job["failures"]}}


def embedded(quarry: str, folder: str, scratch: str) -> dict:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("QUARRY_") or name == "QUARRY_KERNELS"}
    start = time.perf_counter()
    done = subprocess.run([quarry, "index", "--json", "--data", os.path.join(scratch, "data"), folder], env=environment,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some PDFs could not be indexed, listed in the body
        sys.exit(f"ingest.py: quarry index failed ({done.returncode}): {done.stderr[-2000:]}")
    return row("embedded (`quarry index`)", 1, json.loads(done.stdout), seconds)


def python_peer(folder: str, scratch: str) -> dict:
    done = subprocess.run([f"{VENV}/python", os.path.join(os.path.dirname(os.path.abspath(__file__)), "ingest_peer.py"),
                           "--pdfs", folder, "--data", os.path.join(scratch, "peer")], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"ingest.py: the Python peer failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    job = {"total": result["documents"], "counts": {"indexed": result["indexed"]}, "pages": result["pages"], "chunks": result["chunks"],
           "failures": [{"source": name, "reason": reason} for name, reason in result["not_indexed"].items()]}
    return row(f"Python peer: PyMuPDF, onnxruntime {result['onnxruntime']} int8, qdrant-edge", 1, job, result["seconds"])


def kernel_level(quarry: str) -> str:
    """The kernel level the rows' encoder ran (`quarry bench kernels`)."""
    return subprocess.run([quarry, "bench", "kernels"], capture_output=True, text=True).stdout.strip() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--pdfs", default="../shared/corpora/pdf")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", default="eval/bench")
    args = parser.parse_args()
    folder = os.path.realpath(args.pdfs)
    pdfs = sorted(glob.glob(os.path.join(folder, "**", "*.pdf"), recursive=True))
    setups = [lambda scratch: embedded(args.quarry, folder, scratch)]
    setups += [lambda scratch, workers=workers: production(args.quarry, folder, workers, scratch)
               for workers in (int(count) for count in args.workers.split(","))]
    setups.append(lambda scratch: python_peer(folder, scratch))
    measured = [[] for _ in setups]
    for _ in range(args.rounds):
        for index, setup in enumerate(setups):
            scratch = tempfile.mkdtemp(prefix="quarry-bench-ingest-")
            try:
                measured[index].append(setup(scratch))
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            print(json.dumps(measured[index][-1]), file=sys.stderr)
    rows = []
    for runs in measured:
        seconds = statistics.median(run["seconds"] for run in runs)
        rows.append({**runs[0], "seconds": seconds, "rounds": [run["seconds"] for run in runs],
                     "pages_per_second": runs[0]["pages"] / seconds, "chunks_per_second": runs[0]["chunks"] / seconds})
    report = {"date": datetime.date.today().isoformat(), "machine": f"{cpu_model()}, {os.cpu_count()} cores",
              "kernels": kernel_level(args.quarry), "pdfs": len(pdfs), "rounds": args.rounds, "rows": rows}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "ingest.json"), "w") as out:
        json.dump(report, out, indent=2)
    embedded_rate = rows[0]["pages_per_second"]
    lines = [
        "# Bulk indexing: PDFs to searchable, embedded, on Redis, MongoDB and Qdrant, and a Python peer",
        "",
        f"{len(pdfs)} PDFs; {report['date']}, {report['machine']}, Quarry's encoder on its {report['kernels']} kernels; "
        f"median of {args.rounds} interleaved round{'s' if args.rounds > 1 else ''}. Embedded: one `quarry index`, model load included. "
        "Redis + MongoDB + Qdrant: one index job (`POST /api/v1/index-jobs`, the folder as `index_root`), `quarry worker --concurrency 1` "
        "processes. Python peer: scripts/bench/ingest_peer.py. Pages are the figure to compare: the peer cuts fixed 254-token "
        "windows, Quarry cuts at headings, blocks and sentences, so their chunk counts differ.",
        "",
        "| setup | processes | documents indexed | pages | chunks | seconds | pages/s | chunks/s | pages/s ÷ embedded |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in rows:
        lines.append(f"| {entry['setup']} | {entry['processes']} | {entry['indexed']} of {entry['documents']} | {entry['pages']} | "
                     f"{entry['chunks']} | {entry['seconds']:.1f} | {entry['pages_per_second']:.1f} | {entry['chunks_per_second']:.1f} | "
                     f"{entry['pages_per_second'] / embedded_rate:.2f} |")
    skipped = rows[0]["not_indexed"] if rows else {}
    lines += ["", f"Not indexed (by design): {'; '.join(f'{name} ({reason})' for name, reason in sorted(skipped.items())) or 'none'}.",
              "", f"Reproduce: `python scripts/bench/ingest.py --quarry .build/release/quarry --rounds {args.rounds}` (make bench-ingest)."]
    with open(os.path.join(args.out, "ingest.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
