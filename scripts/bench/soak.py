"""Soak: one `quarry serve` on its embedded defaults under mixed work for a long time, watched for growth.

    python scripts/bench/soak.py --quarry .build/release/quarry [--minutes 30] [--warmup-minutes 5]

Clients upload SciFact abstracts as text files (each made unique), ask SciFact's questions, delete
the oldest indexed documents so that about --documents stay, and run a workflow (trigger →
rag_query → delay 1 s) every two seconds. The population is held steady on purpose: an index that
grows with its data is not a leak, so what memory does after the warm-up says whether something
does. Every ten seconds the server's resident memory, open file descriptors and threads are read
from /proc. At the end of the warm-up and at the end of the run the clients pause for 30 s (past
the server's 20 s header deadline, so idle connections are closed) before descriptors are counted.

Checks (exit 1 when one fails):
- resident memory: the median of the last two minutes at most 5 % above the median of the two
  minutes after the warm-up;
- file descriptors: no more after the run than after the warm-up (both counted paused);
- every acknowledged upload (202) is indexed, or was deleted by the soak itself (404);
- every run started (202) ends, and succeeds.
Writes eval/bench/soak.json and soak.md.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

CORPUS = "../shared/datasets/beir/scifact/corpus.jsonl"
# Uploads not yet indexed that the uploading client lets stand before it waits.
BACKLOG = 8
QUESTIONS = "../shared/datasets/beir/scifact/queries.jsonl"
WORKFLOW = {
    "id": "soak", "name": "soak",
    "nodes": [{"id": "start", "type": "trigger", "config": {}},
              {"id": "ask", "type": "rag_query", "config": {"query": "{{ trigger.q }}", "top_k": 3}},
              {"id": "rest", "type": "delay", "config": {"seconds": 1}}],
    "edges": [{"from": "start", "to": "ask"}, {"from": "ask", "to": "rest"}],
}


class Server:
    """`quarry serve` on embedded defaults in a scratch folder."""

    def __init__(self, quarry: str, scratch: str):
        environment = {name: value for name, value in os.environ.items() if not name.startswith("QUARRY_") or name == "QUARRY_KERNELS"}
        self.process = subprocess.Popen([quarry, "serve", "--port", "0", "--data", scratch], env=environment,
                                        stdout=subprocess.PIPE, stderr=open(os.path.join(scratch, "serve.log"), "w"), text=True)
        url = self.process.stdout.readline().strip().removeprefix("Quarry is listening on ")
        self.token = next(line.strip() for line in self.process.stdout if line.count(".") == 2 and " " not in line.strip())
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port

    def stats(self) -> dict:
        status = {}
        with open(f"/proc/{self.process.pid}/status") as file:
            for line in file:
                name, _, value = line.partition(":")
                status[name] = value.strip()
        # Resident memory in all, and its two parts: anonymous (the heap: what a leak grows) and
        # file-backed (the binary's and the model's mapped pages, touched as new code runs and new
        # tokens' embedding rows are read: bounded by the files, given back under pressure).
        return {"rss_mb": int(status["VmRSS"].split()[0]) / 1024, "anon_mb": int(status["RssAnon"].split()[0]) / 1024,
                "file_mb": int(status["RssFile"].split()[0]) / 1024, "threads": int(status["Threads"]),
                "fds": len(os.listdir(f"/proc/{self.process.pid}/fd"))}

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return -9


class Client:
    """One keep-alive connection; reconnects once when the server closed an idle one."""

    def __init__(self, server: Server):
        self.server = server
        self.connection = None

    def call(self, method: str, path: str, body=None, content_type="application/json"):
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        headers = {"Authorization": f"Bearer {self.server.token}", "Content-Type": content_type}
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=120)
            try:
                self.connection.request(method, path, body=data, headers=headers)
                answer = self.connection.getresponse()
                return answer.status, answer.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Soak:
    def __init__(self, server: Server, documents: int):
        self.server = server
        self.target = documents
        self.abstracts = [json.loads(line) for line in open(CORPUS)]
        self.questions = [json.loads(line)["text"] for line in open(QUESTIONS)]
        self.lock = threading.Lock()
        self.acknowledged = []  # ids of uploads answered 202, in order
        self.deleted = set()
        self.runs = []
        self.unindexed = []  # the upload thread's own: its uploads not yet indexed
        self.counts = {"uploads": 0, "queries": 0, "deletes": 0, "runs": 0}
        self.errors = []
        self.running = threading.Event()
        self.stopping = threading.Event()
        self.paused = threading.Event()  # set while the clients are to hold still
        self.idle = {}  # thread name -> whether it is holding still

    def note_error(self, what: str):
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(what)

    def loop(self, name: str, step, pause: float):
        client = Client(self.server)
        generator = random.Random(name)
        while not self.stopping.is_set():
            if self.paused.is_set():
                client.close()
                self.idle[name] = True
                time.sleep(0.2)
                continue
            self.idle[name] = False
            try:
                step(client, generator)
            except Exception as error:  # a failure is counted, and the soak goes on
                self.note_error(f"{name}: {error!r}"[:300])
            time.sleep(pause)
        client.close()

    def upload(self, client: Client, generator: random.Random):
        # As a client that waits for its work: at most BACKLOG uploads not yet indexed. Past what
        # ingest keeps up with (queries come first) the queue would only grow.
        while len(self.unindexed) >= BACKLOG and not self.stopping.is_set() and not self.paused.is_set():
            still = []
            for document in self.unindexed:
                status, payload = client.call("GET", f"/api/v1/documents/{document}")
                if status == 200 and json.loads(payload)["status"] not in ("indexed", "failed", "needs_ocr"):
                    still.append(document)
            self.unindexed = still
            if len(still) >= BACKLOG:
                time.sleep(0.5)
        if len(self.unindexed) >= BACKLOG:
            return
        abstract = generator.choice(self.abstracts)
        copy = uuid.uuid4().hex
        text = f"{abstract['title']}\n\n{abstract['text']}\n\nSoak copy {copy}.\n"
        boundary = uuid.uuid4().hex
        # A name of its own: an upload with the name of an earlier one is its new version and replaces it.
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"soak-{abstract['_id']}-{copy[:12]}.txt\"\r\n"
                f"Content-Type: text/plain\r\n\r\n{text}\r\n--{boundary}--\r\n").encode()
        status, payload = client.call("POST", "/api/v1/documents", body, f"multipart/form-data; boundary={boundary}")
        if status != 202:
            raise RuntimeError(f"upload answered {status}: {payload[:200]!r}")
        document = json.loads(payload)["id"]
        self.unindexed.append(document)
        with self.lock:
            self.acknowledged.append(document)
            self.counts["uploads"] += 1
            excess = len(self.acknowledged) - len(self.deleted) - self.target
            oldest = next((d for d in self.acknowledged if d not in self.deleted), None) if excess > 0 else None
        if oldest is not None:
            status, payload = client.call("GET", f"/api/v1/documents/{oldest}")
            if status == 200 and json.loads(payload)["status"] == "indexed":
                status, payload = client.call("DELETE", f"/api/v1/documents/{oldest}")
                if status != 204:
                    raise RuntimeError(f"delete answered {status}: {payload[:200]!r}")
                with self.lock:
                    self.deleted.add(oldest)
                    self.counts["deletes"] += 1

    def ask(self, client: Client, generator: random.Random):
        status, payload = client.call("POST", "/api/v1/rag/query", {"query": generator.choice(self.questions), "top_k": 5})
        if status != 200:
            raise RuntimeError(f"query answered {status}: {payload[:200]!r}")
        with self.lock:
            self.counts["queries"] += 1

    def run(self, client: Client, generator: random.Random):
        status, payload = client.call("POST", "/api/v1/workflows/soak/run", {"inputs": {"q": generator.choice(self.questions)}})
        if status != 202:
            raise RuntimeError(f"run answered {status}: {payload[:200]!r}")
        with self.lock:
            self.runs.append(json.loads(payload)["id"])
            self.counts["runs"] += 1

    def hold_still(self, seconds: float):
        """Pauses every client (each closes its connection), waits `seconds`, and lets them go on."""
        self.paused.set()
        deadline = time.time() + 60
        while not all(self.idle.values()) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(seconds)
        counted = self.server.stats()
        self.paused.clear()
        return counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--warmup-minutes", type=float, default=5)
    parser.add_argument("--documents", type=int, default=300, help="documents kept indexed (older ones deleted)")
    parser.add_argument("--out", default="eval/bench")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="quarry-soak-")
    server = Server(args.quarry, scratch)
    level = subprocess.run([args.quarry, "bench", "kernels"], capture_output=True, text=True).stdout.strip() or "unknown"
    soak = Soak(server, args.documents)
    setup = Client(server)
    status, payload = setup.call("POST", "/api/v1/workflows", WORKFLOW)
    assert status == 201, payload
    setup.close()

    threads = [threading.Thread(target=soak.loop, args=(name, step, pause), daemon=True) for name, step, pause in [
        ("upload", soak.upload, 0.3), ("ask-1", soak.ask, 0.1), ("ask-2", soak.ask, 0.1), ("run", soak.run, 2.0)]]
    samples = []
    started = time.time()
    for thread in threads:
        thread.start()
    warmup_end = started + args.warmup_minutes * 60
    end = started + args.minutes * 60
    after_warmup = None
    while time.time() < end:
        time.sleep(10)
        sample = {"minute": round((time.time() - started) / 60, 2), **server.stats(), **dict(soak.counts)}
        samples.append(sample)
        print(json.dumps(sample), flush=True)
        if after_warmup is None and time.time() >= warmup_end:
            after_warmup = soak.hold_still(30)
            print("after warm-up, held still:", json.dumps(after_warmup), flush=True)
    at_end = soak.hold_still(30)
    soak.stopping.set()
    for thread in threads:
        thread.join(timeout=150)
    print("at the end, held still:", json.dumps(at_end), flush=True)

    # Everything acknowledged ends: documents indexed (or deleted by the soak), runs succeeded.
    checker = Client(server)
    failed_documents = settle(checker, soak.acknowledged, "/api/v1/documents/", ("queued", "parsing", "parsed", "chunking", "embedding"),
                              "indexed", gone=soak.deleted, minutes=10)
    failed_runs = settle(checker, soak.runs, "/api/v1/runs/", ("queued", "running"), "succeeded", gone=set(), minutes=5)
    checker.close()
    exit_status = server.stop()

    def median_memory(first: float, last: float, part: str = "rss_mb") -> float:
        return statistics.median(s[part] for s in samples if first <= s["minute"] <= last)

    steady_from = args.warmup_minutes + 0.6  # past the 30 s pause
    rss_start = median_memory(steady_from, steady_from + 2)
    rss_end = median_memory(args.minutes - 2, args.minutes + 1)
    growth = (rss_end - rss_start) / rss_start * 100
    checks = {
        "resident memory grows at most 5 % after the warm-up": growth <= 5,
        "no file descriptor leaks": at_end["fds"] <= after_warmup["fds"],
        "every acknowledged upload is indexed (or deleted by the soak)": not failed_documents,
        "every run ends, succeeded": not failed_runs,
        "the server stops cleanly on SIGTERM": exit_status == 0,
    }
    report = {
        "date": datetime.date.today().isoformat(), "cpu": cpu_name(), "cores": os.cpu_count(), "kernel_level": level,
        "command": " ".join(["python", "scripts/bench/soak.py", "--quarry", args.quarry, "--minutes", f"{args.minutes:g}",
                             "--warmup-minutes", f"{args.warmup_minutes:g}", "--documents", str(args.documents)]),
        "minutes": args.minutes, "warmup_minutes": args.warmup_minutes, "documents_kept": args.documents,
        "counts": soak.counts, "errors": soak.errors,
        "rss_mb_after_warmup": round(rss_start, 1), "rss_mb_at_end": round(rss_end, 1), "rss_growth_percent": round(growth, 2),
        "anon_mb_after_warmup": round(median_memory(steady_from, steady_from + 2, "anon_mb"), 1),
        "anon_mb_at_end": round(median_memory(args.minutes - 2, args.minutes + 1, "anon_mb"), 1),
        "file_mb_after_warmup": round(median_memory(steady_from, steady_from + 2, "file_mb"), 1),
        "file_mb_at_end": round(median_memory(args.minutes - 2, args.minutes + 1, "file_mb"), 1),
        "held_still_after_warmup": after_warmup, "held_still_at_end": at_end,
        "failed_documents": failed_documents[:20], "failed_runs": failed_runs[:20], "checks": checks, "samples": samples,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "soak.json"), "w") as file:
        json.dump(report, file, indent=1)
    with open(os.path.join(args.out, "soak.md"), "w") as file:
        file.write(markdown(report))
    print(markdown(report))
    if all(checks.values()):
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        print(f"kept for a look: {scratch} (serve.log, the data)")
    return 0 if all(checks.values()) else 1


def settle(client: Client, ids: list, path: str, busy: tuple, wanted: str, gone: set, minutes: float) -> list:
    """Waits until no object of `ids` is in a `busy` state; those not `wanted` (or, for ids in
    `gone`, not 404), and those still busy after `minutes`, are returned with what they were."""
    pending, failed = list(ids), []
    deadline = time.time() + minutes * 60
    while pending and time.time() < deadline:
        waiting = []
        for identifier in pending:
            status, payload = client.call("GET", path + identifier)
            state = json.loads(payload).get("status") if status == 200 else status
            if identifier in gone:
                if status != 404:
                    failed.append((identifier, f"deleted but answers {status}"))
            elif state in busy:
                waiting.append(identifier)
            elif state != wanted:
                failed.append((identifier, state))
        pending = waiting
        if pending:
            time.sleep(2)
    return failed + [(identifier, f"still not ended after {minutes:g} minutes") for identifier in pending]


def markdown(report: dict) -> str:
    counts = report["counts"]
    lines = [
        "# Soak: mixed work on one `quarry serve` (embedded back ends)", "",
        f"{report['date']}, {report['cpu']}, {report['cores']} cores, encoder kernels: {report['kernel_level']}. "
        f"{report['minutes']:g} minutes, the first {report['warmup_minutes']:g} a warm-up; about {report['documents_kept']} documents kept indexed.", "",
        f"Reproduce: `{report['command']}` (or `make soak`).", "",
        f"Work done: {counts['uploads']} uploads, {counts['deletes']} deletes, {counts['queries']} queries, {counts['runs']} workflow runs; "
        f"{len(report['errors'])} client errors.", "",
        "| check | result |", "|---|---|",
    ]
    lines += [f"| {name} | {'yes' if passed else '**no**'} |" for name, passed in report["checks"].items()]
    lines += [
        "",
        f"Resident memory: {report['rss_mb_after_warmup']} MB (median of the two minutes after the warm-up) → "
        f"{report['rss_mb_at_end']} MB (median of the last two), {report['rss_growth_percent']:+.2f} %; of it anonymous "
        f"{report['anon_mb_after_warmup']} → {report['anon_mb_at_end']} MB, file-backed (the binary's and the model's mapped "
        f"pages) {report['file_mb_after_warmup']} → {report['file_mb_at_end']} MB.",
        f"File descriptors, clients paused 30 s: {report['held_still_after_warmup']['fds']} after the warm-up, "
        f"{report['held_still_at_end']['fds']} at the end. Threads: {report['held_still_after_warmup']['threads']} and "
        f"{report['held_still_at_end']['threads']}.", "",
        "| minute | RSS MB | anonymous MB | file-backed MB | fds | threads | uploads | deletes | queries | runs |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    last_minute = -1
    for sample in report["samples"]:
        if int(sample["minute"]) == last_minute:
            continue
        last_minute = int(sample["minute"])
        lines.append(f"| {sample['minute']:.1f} | {sample['rss_mb']:.1f} | {sample['anon_mb']:.1f} | {sample['file_mb']:.1f} | "
                     f"{sample['fds']} | {sample['threads']} | {sample['uploads']} | "
                     f"{sample['deletes']} | {sample['queries']} | {sample['runs']} |")
    if report["errors"]:
        lines += ["", "Client errors (first 50):", ""] + [f"- `{error}`" for error in report["errors"]]
    return "\n".join(lines) + "\n"


def cpu_name() -> str:
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    sys.exit(main())
