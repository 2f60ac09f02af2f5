"""The same question asked through Quarry's own API, OpenAI's chat API and MCP; and the query path with tracing on and off.

    python scripts/bench/protocols.py --quarry .build/release/quarry [--queries 300] [--rounds 2]

Four `quarry serve` on embedded defaults, each with the same two PDFs indexed: three without
tracing, each asked through one protocol (`POST /api/v1/rag/query`, `POST /v1/chat/completions`
with model `quarry-extractive`, and MCP's `tools/call` of `ask` at `POST /mcp`), and one with
`otel_endpoint` set to an OTLP/HTTP sink in this process (spans exported as to a collector on the
same host), asked through `/api/v1/rag/query`. Every answer is extractive. Each server hears every
question once, so none is a cache hit; the four take each question in turn, the order rotating,
so drift on the host falls on all alike. One kept-alive connection per server, as a client keeps.
Reports p50 and p99 per setup, the difference of medians against `/api/v1/rag/query` (the goal:
≤ 1 ms for chat and MCP) and the ratio of medians of tracing on to off (the goal: ≤ 1.03).
Writes eval/bench/protocols.json and protocols.md.
"""
import argparse
import datetime
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from embed import cpu_model  # noqa: E402  (one reading of the CPU's name for every benchmark)

QUESTIONS = "../shared/datasets/beir/scifact/queries.jsonl"
SEED = ["../shared/corpora/pdf/1903.10676.pdf", "../shared/corpora/pdf/2020.acl-main.447.pdf"]


def percentile(values: list, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class Sink(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver that takes every export and keeps nothing: what a collector costs the sender."""
    protocol_version = "HTTP/1.1"
    spans_bytes = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Sink.spans_bytes += len(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server:
    """One `quarry serve` on embedded defaults in a scratch data folder."""

    def __init__(self, quarry: str, scratch: str, extra: dict):
        environment = {key: value for key, value in os.environ.items() if not key.startswith("QUARRY_") or key == "QUARRY_CACHE"}
        environment.update(extra)
        self.process = subprocess.Popen([quarry, "serve", "--port", "0", "--data", scratch], env=environment,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = self.process.stdout.readline().strip().removeprefix("Quarry is listening on ")
        self.token = next(line.strip() for line in self.process.stdout if line.count(".") == 2 and " " not in line.strip())
        self.address = urllib.parse.urlparse(url)
        self.reconnect()

    def reconnect(self) -> None:
        """A fresh kept-alive connection: the server closes one left idle while the others start."""
        if getattr(self, "connection", None):
            self.connection.close()
        self.connection = http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=120)

    def call(self, path: str, body, content_type="application/json", method="POST") -> dict:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": content_type, "Accept": "application/json, text/event-stream"}
        self.connection.request(method, path, body=data, headers=headers)
        answer = self.connection.getresponse()
        payload = answer.read()
        if answer.status >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status} {payload[:300]!r}")
        return json.loads(payload)

    def upload(self, path: str) -> None:
        boundary = uuid.uuid4().hex
        with open(path, "rb") as file:
            content = file.read()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{os.path.basename(path)}\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        document = self.call("/api/v1/documents", body, f"multipart/form-data; boundary={boundary}")
        while document["status"] not in ("indexed", "failed"):
            time.sleep(0.2)
            document = self.call(document["status_url"], None, method="GET")

    def stop(self) -> None:
        self.connection.close()
        self.process.terminate()
        self.process.wait()


def rest(server: Server, question: str) -> str:
    return server.call("/api/v1/rag/query", {"query": question, "answer": "extractive"})["answer"]["text"]


def chat(server: Server, question: str) -> str:
    reply = server.call("/v1/chat/completions", {"model": "quarry-extractive", "messages": [{"role": "user", "content": question}]})
    return reply["choices"][0]["message"]["content"]


def mcp(server: Server, question: str) -> str:
    reply = server.call("/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "ask", "arguments": {"query": question}}})
    if "error" in reply:
        raise RuntimeError(f"MCP: {reply['error']}")
    return reply["result"]["structuredContent"]["answer"]["text"]


SETUPS = [("rest", "POST /api/v1/rag/query", rest, False), ("chat", "POST /v1/chat/completions", chat, False),
          ("mcp", "POST /mcp, tools/call ask", mcp, False), ("rest_traced", "POST /api/v1/rag/query, tracing on", rest, True)]


def one_round(quarry: str, questions: list, warmup: list, sink_url: str, offset: int) -> dict:
    scratch = tempfile.mkdtemp(prefix="quarry-bench-protocols-")
    servers = {}
    try:
        for name, _, _, traced in SETUPS:
            extra = {"QUARRY_OTEL_ENDPOINT": sink_url} if traced else {}
            servers[name] = Server(quarry, os.path.join(scratch, name), extra)
            for path in SEED:
                servers[name].upload(path)
        for name, _, ask, _ in SETUPS:
            servers[name].reconnect()
            for question in warmup:
                ask(servers[name], question)
        latencies = {name: [] for name, *_ in SETUPS}
        answers = {name: [] for name, *_ in SETUPS}
        for index, question in enumerate(questions):
            order = SETUPS[(index + offset) % len(SETUPS):] + SETUPS[:(index + offset) % len(SETUPS)]
            for name, _, ask, _ in order:
                start = time.perf_counter()
                text = ask(servers[name], question)
                latencies[name].append((time.perf_counter() - start) * 1000)
                answers[name].append(text)
        # The same extractive answer, whichever way it was asked.
        for name in latencies:
            if answers[name] != answers["rest"]:
                raise SystemExit(f"{name} answered differently from /api/v1/rag/query")
        return {name: {"p50_ms": percentile(values, 0.5), "p99_ms": percentile(values, 0.99)} for name, values in latencies.items()}
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--queries", type=int, default=300, help="questions per round, each asked of every server")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default="eval/bench")
    args = parser.parse_args()
    with open(QUESTIONS) as lines:
        texts = [json.loads(line)["text"] for line in lines]
    if len(texts) < args.rounds * args.queries + 20:
        raise SystemExit(f"{QUESTIONS} has {len(texts)} questions; {args.rounds * args.queries + 20} distinct ones are needed")
    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink_url = f"http://127.0.0.1:{sink.server_address[1]}"
    level = subprocess.run([args.quarry, "bench", "kernels"], capture_output=True, text=True).stdout.strip() or "unknown"
    rounds = []
    for number in range(args.rounds):
        questions = texts[number * args.queries:(number + 1) * args.queries]
        rounds.append(one_round(args.quarry, questions, texts[-20:], sink_url, number))
        print(json.dumps(rounds[-1]), file=sys.stderr)

    def median(name, key):
        return percentile([r[name][key] for r in rounds], 0.5)

    results = {name: {"p50_ms": median(name, "p50_ms"), "p99_ms": median(name, "p99_ms")} for name, *_ in SETUPS}
    base = results["rest"]["p50_ms"]
    report = {"date": datetime.date.today().isoformat(), "cpu": cpu_model(), "cores": os.cpu_count(), "kernel_level": level,
              "queries": args.queries, "rounds": rounds, "results": results,
              "added_p50_ms": {"chat": results["chat"]["p50_ms"] - base, "mcp": results["mcp"]["p50_ms"] - base},
              "tracing_p50_ratio": results["rest_traced"]["p50_ms"] / base, "exported_bytes": Sink.spans_bytes}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "protocols.json"), "w") as out:
        json.dump(report, out, indent=2)
    lines = [
        "# One question, three protocols; tracing on and off",
        "",
        f"{report['date']}, {report['cpu']}, {report['cores']} cores, encoder kernels: {level}. Four `quarry serve` on embedded "
        f"defaults with the same two PDFs; {args.queries} distinct SciFact questions per round, each asked of every server in "
        f"rotating order (no cache hits), extractive answers, one kept-alive connection each; medians over {args.rounds} rounds.",
        "",
        "| asked through | p50 | p99 | p50 − REST |",
        "|---|---:|---:|---:|",
    ]
    for name, label, _, _ in SETUPS:
        lines.append(f"| {label} | {results[name]['p50_ms']:.2f} ms | {results[name]['p99_ms']:.2f} ms | "
                     f"{results[name]['p50_ms'] - base:+.2f} ms |")
    lines += [
        "",
        f"Tracing on / off, ratio of p50s: {report['tracing_p50_ratio']:.3f} (spans exported over OTLP/HTTP to a sink in the "
        f"benchmark's process, {Sink.spans_bytes / 1e6:.1f} MB in all).",
        "",
        "Reproduce: `python scripts/bench/protocols.py --quarry .build/release/quarry` (make bench-protocols).",
    ]
    with open(os.path.join(args.out, "protocols.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    sink.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
