"""Bulk indexing throughput: PDFs to searchable across worker processes, on Redis, MongoDB and Qdrant.

    python scripts/bench/ingest.py --quarry .build/release/quarry [--pdfs ../shared/corpora/pdf] [--workers 1,2]

For each worker count: fresh test servers (redis-server; SecantusDB for MongoDB; Qdrant's engine behind
scripts/testservers/qdrant_edge_server.py), `quarry serve` and N `quarry worker --concurrency 1` processes,
all on loopback. The PDFs' folder is the server's index_root, indexed by one bulk index job
(POST /api/v1/index-jobs); the clock runs from the submission until the job has completed. Reports
pages/s and chunks/s of the documents indexed, beside the job's own rate. Writes eval/bench/ingest.json
and ingest.md.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

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


def measure(quarry: str, folder: str, workers: int, scratch: str) -> dict:
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
        counts = job["counts"]
        return {"workers": workers, "documents": job["total"], "indexed": counts["indexed"], "pages": job["pages"], "chunks": job["chunks"],
                "seconds": elapsed, "pages_per_second": job["pages"] / elapsed, "chunks_per_second": job["chunks"] / elapsed,
                "job_pages_per_second": job["pages_per_second"],
                "not_indexed": {os.path.basename(failure["source"]): failure["reason"] for failure in job["failures"]}}
    finally:
        for process in processes + services:
            process.terminate()
        for process in processes + services:
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--pdfs", default="../shared/corpora/pdf")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--out", default="eval/bench")
    args = parser.parse_args()
    folder = os.path.realpath(args.pdfs)
    pdfs = sorted(glob.glob(os.path.join(folder, "**", "*.pdf"), recursive=True))
    rows = []
    for workers in (int(count) for count in args.workers.split(",")):
        scratch = tempfile.mkdtemp(prefix="quarry-bench-ingest-")
        try:
            rows.append(measure(args.quarry, folder, workers, scratch))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        print(json.dumps(rows[-1]), file=sys.stderr)
    report = {"date": datetime.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "pdfs": len(pdfs), "rows": rows}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "ingest.json"), "w") as out:
        json.dump(report, out, indent=2)
    lines = [
        "# Bulk indexing: PDFs to searchable, API and workers apart on Redis, MongoDB and Qdrant",
        "",
        f"{len(pdfs)} PDFs in one index job (`POST /api/v1/index-jobs`, the folder as `index_root`); `quarry worker --concurrency 1` "
        f"processes; {report['date']}, {report['machine']}.",
        "",
        "| worker processes | documents indexed | pages | chunks | seconds | pages/s | chunks/s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(f"| {row['workers']} | {row['indexed']} of {row['documents']} | {row['pages']} | {row['chunks']} | {row['seconds']:.1f} | "
                     f"{row['pages_per_second']:.1f} | {row['chunks_per_second']:.1f} |")
    skipped = rows[0]["not_indexed"] if rows else {}
    lines += ["", f"Not indexed (by design): {'; '.join(f'{name} ({reason})' for name, reason in sorted(skipped.items())) or 'none'}.",
              "", "Reproduce: `python scripts/bench/ingest.py --quarry .build/release/quarry` (make bench-ingest)."]
    with open(os.path.join(args.out, "ingest.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
