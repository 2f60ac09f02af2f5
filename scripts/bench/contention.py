"""Questions while indexing: query latency on `quarry serve` idle and while an index job runs on the same server.

    python scripts/bench/contention.py --quarry .build/release/quarry [--pdfs ../shared/corpora/pdf] [--queries 300] [--rounds 2]

What a new user meets after `make run`: one `quarry serve` on its embedded defaults (its workers in the
same process), two PDFs uploaded and indexed, then a client asking distinct hybrid questions one after
another (`answer: none`, so every one misses the cache), first idle and then while one index job
(POST /api/v1/index-jobs) indexes every PDF of the folder. The job's chunks/s is measured against the
same job on a fresh server with no questions, the two kinds of round interleaved. For the slowest
questions the script prints the server's own stage timings (embed, search, load, ...), which say where
the time went. Writes eval/bench/contention.json and contention.md.
"""
import argparse
import datetime
import glob
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

QUESTIONS = "../shared/datasets/beir/scifact/queries.jsonl"


def percentile(values: list, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class Server:
    """One `quarry serve` on embedded defaults in a scratch data folder, `folder` as its index_root."""

    def __init__(self, quarry: str, folder: str, scratch: str):
        environment = dict(os.environ, QUARRY_INDEX_ROOT=folder)
        for name in ("QUARRY_QUEUE", "QUARRY_DOCUMENT_STORE", "QUARRY_VECTOR_STORE"):
            environment.pop(name, None)
        self.process = subprocess.Popen([quarry, "serve", "--port", "0", "--data", scratch], env=environment,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = self.process.stdout.readline().strip().removeprefix("Quarry is listening on ")
        self.token = next(line.strip() for line in self.process.stdout if line.count(".") == 2 and " " not in line.strip())
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    def call(self, connection, method: str, path: str, body=None, content_type="application/json") -> dict:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        connection.request(method, path, body=data, headers={"Authorization": f"Bearer {self.token}", "Content-Type": content_type})
        answer = connection.getresponse()
        payload = answer.read()
        if answer.status >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status} {payload[:300]!r}")
        return json.loads(payload)

    def upload(self, path: str) -> dict:
        boundary = uuid.uuid4().hex
        with open(path, "rb") as file:
            content = file.read()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{os.path.basename(path)}\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        connection = self.connection()
        try:
            document = self.call(connection, "POST", "/api/v1/documents", body, f"multipart/form-data; boundary={boundary}")
            while document["status"] not in ("indexed", "failed"):
                time.sleep(0.1)
                document = self.call(connection, "GET", document["status_url"])
            return document
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def ask(server: Server, questions: list) -> list:
    """Each question in turn on one kept-alive connection: (milliseconds seen by the client, the server's stage timings)."""
    connection = server.connection()
    measured = []
    try:
        for question in questions:
            start = time.perf_counter()
            answer = server.call(connection, "POST", "/api/v1/rag/query", {"query": question, "answer": "none", "mode": "hybrid"})
            measured.append(((time.perf_counter() - start) * 1000, answer["timings"]))
    finally:
        connection.close()
    return measured


def run_job(server: Server) -> dict:
    """Submits one index job of the whole folder and waits for it: its chunks and seconds."""
    connection = server.connection()
    try:
        start = time.perf_counter()
        job = server.call(connection, "POST", "/api/v1/index-jobs", {"paths": ["."]})
        while job["status"] not in ("completed", "canceled"):
            time.sleep(0.1)
            job = server.call(connection, "GET", job["status_url"])
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "chunks": job["chunks"], "pages": job["pages"], "indexed": job["counts"]["indexed"],
                "chunks_per_second": job["chunks"] / seconds}
    finally:
        connection.close()


def summary(measured: list) -> dict:
    values = [milliseconds for milliseconds, _ in measured]
    slowest = sorted(measured, key=lambda item: item[0], reverse=True)[:3]
    return {"queries": len(values), "p50_ms": percentile(values, 0.5), "p99_ms": percentile(values, 0.99), "max_ms": max(values),
            "slowest_stages": [{"client_ms": round(ms, 2), **{stage: round(value, 2) for stage, value in stages.items()}} for ms, stages in slowest]}


def round_with_questions(quarry: str, folder: str, seed: list, questions: list, warmup: list) -> dict:
    scratch = tempfile.mkdtemp(prefix="quarry-bench-contention-")
    server = Server(quarry, folder, os.path.join(scratch, "data"))
    try:
        for path in seed:
            server.upload(path)
        ask(server, warmup)
        idle = ask(server, questions[: len(questions) // 2])
        job = {}
        runner = threading.Thread(target=lambda: job.update(run_job(server)))
        runner.start()
        time.sleep(1.0)  # the job has listed the folder and its first documents are being embedded
        started = time.perf_counter()
        during = ask(server, questions[len(questions) // 2:])
        asked_seconds = time.perf_counter() - started
        runner.join()
        return {"idle": summary(idle), "during": summary(during), "job": job, "questions_cover": (asked_seconds + 1.0) / job["seconds"]}
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def round_alone(quarry: str, folder: str, seed: list) -> dict:
    scratch = tempfile.mkdtemp(prefix="quarry-bench-contention-")
    server = Server(quarry, folder, os.path.join(scratch, "data"))
    try:
        for path in seed:
            server.upload(path)
        return run_job(server)
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def cpu_name() -> str:
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--pdfs", default="../shared/corpora/pdf")
    parser.add_argument("--queries", type=int, default=300, help="questions idle, and as many during the job")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each kind, interleaved")
    parser.add_argument("--out", default="eval/bench")
    args = parser.parse_args()
    folder = os.path.realpath(args.pdfs)
    pdfs = sorted(glob.glob(os.path.join(folder, "**", "*.pdf"), recursive=True))
    seed = [os.path.join(folder, name) for name in ("1903.10676.pdf", "2020.acl-main.447.pdf")]
    with open(QUESTIONS) as lines:
        texts = [json.loads(line)["text"] for line in lines]
    # Each round has a fresh server, so its cache is empty: questions need be distinct within a round only.
    if len(texts) < 2 * args.queries + 20:
        raise SystemExit(f"{QUESTIONS} has {len(texts)} questions; {2 * args.queries + 20} distinct ones are needed")
    questions, warmup = texts[: 2 * args.queries], texts[2 * args.queries: 2 * args.queries + 20]
    level = subprocess.run([args.quarry, "bench", "kernels"], capture_output=True, text=True).stdout.strip() or "unknown"
    rounds, alone = [], []
    for _ in range(args.rounds):
        rounds.append(round_with_questions(args.quarry, folder, seed, questions, warmup))
        print(json.dumps(rounds[-1]), file=sys.stderr)
        alone.append(round_alone(args.quarry, folder, seed))
        print(json.dumps(alone[-1]), file=sys.stderr)

    def median(values):
        return percentile(values, 0.5)

    idle = {key: median([r["idle"][key] for r in rounds]) for key in ("p50_ms", "p99_ms", "max_ms")}
    during = {key: median([r["during"][key] for r in rounds]) for key in ("p50_ms", "p99_ms", "max_ms")}
    with_questions = median([r["job"]["chunks_per_second"] for r in rounds])
    without = median([a["chunks_per_second"] for a in alone])
    report = {"date": datetime.date.today().isoformat(), "cpu": cpu_name(), "cores": os.cpu_count(), "kernel_level": level,
              "pdfs": len(pdfs), "queries": args.queries, "rounds": rounds, "alone": alone, "idle": idle, "during": during,
              "job_chunks_per_second": {"with_questions": with_questions, "alone": without, "ratio": with_questions / without}}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "contention.json"), "w") as out:
        json.dump(report, out, indent=2)
    lines = [
        "# Questions while indexing: one `quarry serve` on embedded defaults",
        "",
        f"{report['date']}, {report['cpu']}, {report['cores']} cores, encoder kernels: {level}. Two PDFs uploaded, then "
        f"{args.queries} distinct hybrid questions (`answer: none`) one after another, idle and while one index job indexes "
        f"the {len(pdfs)} PDFs of the folder; medians over {args.rounds} rounds.",
        "",
        "| | p50 | p99 | max |",
        "|---|---:|---:|---:|",
        f"| idle | {idle['p50_ms']:.2f} ms | {idle['p99_ms']:.2f} ms | {idle['max_ms']:.1f} ms |",
        f"| during the index job | {during['p50_ms']:.2f} ms | {during['p99_ms']:.2f} ms | {during['max_ms']:.1f} ms |",
        "",
        f"The job's chunks/s: {with_questions:.1f} with the questions, {without:.1f} alone (ratio {with_questions / without:.3f}; "
        f"the questions ran over {median([r['questions_cover'] for r in rounds]):.0%} of the job's time).",
        "",
        "Reproduce: `python scripts/bench/contention.py --quarry .build/release/quarry` (make bench-contention).",
    ]
    with open(os.path.join(args.out, "contention.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
