"""Bulk indexing throughput: PDFs to searchable across worker processes, on Redis, MongoDB and Qdrant.

    python scripts/bench/ingest.py --quarry .build/release/quarry [--pdfs ../shared/corpora/pdf] [--workers 1,2]

For each worker count: fresh test servers (redis-server; SecantusDB for MongoDB; Qdrant's engine behind
scripts/testservers/qdrant_edge_server.py), `quarry serve` and N `quarry worker --concurrency 1` processes,
all on loopback. Every PDF is uploaded through POST /api/v1/documents; the clock runs from the first
upload until every document has reached a final state (indexed, failed, needs_ocr). Reports pages/s and
chunks/s of the documents indexed. Writes eval/bench/ingest.json and ingest.md.
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
FINAL = {"indexed", "failed", "needs_ocr"}


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


def get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def measure(quarry: str, pdfs: list, workers: int, scratch: str) -> dict:
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
                           QUARRY_VECTOR_STORE="qdrant", QUARRY_QDRANT_URL=f"http://127.0.0.1:{ports['qdrant']}")
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
        ids = []
        for pdf in pdfs:
            answer = subprocess.run(["curl", "-sS", "-H", f"Authorization: Bearer {token}", "-F", f"file=@{pdf}", f"{url}/api/v1/documents"],
                                    check=True, capture_output=True, text=True).stdout
            ids.append(json.loads(answer)["id"])
        while True:
            documents = get(f"{url}/api/v1/documents?limit=1000", token)["documents"]
            if len(documents) >= len(set(ids)) and all(document["status"] in FINAL for document in documents):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        indexed = [document for document in documents if document["status"] == "indexed"]
        pages = sum(document["pages"] for document in indexed)
        chunks = sum(document["progress"]["chunks"] for document in indexed)
        return {"workers": workers, "documents": len(documents), "indexed": len(indexed), "pages": pages, "chunks": chunks,
                "seconds": elapsed, "pages_per_second": pages / elapsed, "chunks_per_second": chunks / elapsed,
                "not_indexed": {document["source"]["filename"]: document["status"] for document in documents if document["status"] != "indexed"}}
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
    pdfs = sorted(glob.glob(os.path.join(args.pdfs, "**", "*.pdf"), recursive=True))
    rows = []
    for workers in (int(count) for count in args.workers.split(",")):
        scratch = tempfile.mkdtemp(prefix="quarry-bench-ingest-")
        try:
            rows.append(measure(args.quarry, pdfs, workers, scratch))
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
        f"{len(pdfs)} PDFs uploaded through the API; `quarry worker --concurrency 1` processes; {report['date']}, {report['machine']}.",
        "",
        "| worker processes | documents indexed | pages | chunks | seconds | pages/s | chunks/s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(f"| {row['workers']} | {row['indexed']} of {row['documents']} | {row['pages']} | {row['chunks']} | {row['seconds']:.1f} | "
                     f"{row['pages_per_second']:.1f} | {row['chunks_per_second']:.1f} |")
    skipped = rows[0]["not_indexed"] if rows else {}
    lines += ["", f"Not indexed (by design): {', '.join(f'{name} ({status})' for name, status in sorted(skipped.items())) or 'none'}.",
              "", "Reproduce: `python scripts/bench/ingest.py --quarry .build/release/quarry` (make bench-ingest)."]
    with open(os.path.join(args.out, "ingest.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
