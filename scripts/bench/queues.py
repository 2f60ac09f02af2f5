"""Queue throughput and latency: a Quarry worker beside Python Dramatiq's, on the same local Redis.

    python scripts/bench/queues.py --quarry .build/release/quarry [--messages 20000] [--concurrency 2] [--runs 3]

Starts a scratch redis-server on a free port (no persistence), then, one after the other:

  quarry        `quarry bench queue --json`: one worker process, --concurrency loops, a no-op actor;
                messages/s draining --messages pre-queued messages (median of --runs), then
                enqueue->start latency of 300 messages sent 5 ms apart to the idle worker.
  dramatiq      Dramatiq 2.x's own worker, 1 process x --concurrency threads, the same no-op actor and the
                same two measurements: with its default prefetch, and tuned (queue_prefetch 64).

Latency is measured from just before the enqueue to the start of the actor, both on this machine's wall
clock. Writes eval/bench/queue.json and queue.md.
"""
import argparse
import datetime
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_worker(broker, threads: int, prefetch: int) -> dramatiq.Worker:
    """Dramatiq's worker; prefetch 0 keeps its default (2 per thread), as `dramatiq_queue_prefetch` unset does."""
    worker = dramatiq.Worker(broker, worker_threads=threads)
    if prefetch:
        worker.queue_prefetch = prefetch  # what the dramatiq_queue_prefetch environment variable sets
    return worker


def dramatiq_run(url: str, namespace: str, messages: int, threads: int, prefetch: int) -> float:
    """Messages per second for Dramatiq's worker draining `messages` queued no-op messages."""
    broker = RedisBroker(url=url, namespace=namespace)
    dramatiq.set_broker(broker)
    done = threading.Event()
    count = [0]
    lock = threading.Lock()

    @dramatiq.actor(actor_name="noop", queue_name="bench", max_retries=0)
    def noop():
        with lock:
            count[0] += 1
            if count[0] >= messages:
                done.set()

    for _ in range(messages):
        noop.send()
    worker = make_worker(broker, threads, prefetch)
    start = time.perf_counter()
    worker.start()
    done.wait(timeout=600)
    elapsed = time.perf_counter() - start
    worker.stop()
    broker.close()
    return messages / elapsed


def dramatiq_latency(url: str, namespace: str, samples: int, threads: int, prefetch: int) -> list:
    """Milliseconds from just before each send to its actor's start, the worker idle between sends."""
    broker = RedisBroker(url=url, namespace=namespace)
    dramatiq.set_broker(broker)
    measured = []
    lock = threading.Lock()

    @dramatiq.actor(actor_name="noop", queue_name="bench", max_retries=0)
    def noop(sent):
        now = time.time()
        with lock:
            measured.append((now - sent) * 1000)

    worker = make_worker(broker, threads, prefetch)
    worker.start()
    time.sleep(1.5)  # past start-up: the consumer is idle and backing off, as a waiting worker is
    for _ in range(samples):
        noop.send(time.time())
        time.sleep(0.005)
    deadline = time.time() + 60
    while len(measured) < samples and time.time() < deadline:
        time.sleep(0.05)
    worker.stop()
    broker.close()
    return sorted(measured)


def percentile(values: list, fraction: float) -> float:
    return values[min(len(values) - 1, int(len(values) * fraction))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--out", default="eval/bench")
    args = parser.parse_args()

    port = free_port()
    server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL)
    try:
        url = f"redis://127.0.0.1:{port}"
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)

        rows = []
        quarry = json.loads(subprocess.run(
            [args.quarry, "bench", "queue", "--redis", url, "--messages", str(args.messages), "--concurrency", str(args.concurrency),
             "--runs", str(args.runs), "--samples", str(args.samples), "--json"], check=True, capture_output=True, text=True).stdout)
        rows.append({"who": "Quarry worker", "prefetch": "2 per loop", "messages_per_second": quarry["messagesPerSecond"],
                     "runs": quarry["runs"], "latency_p50_ms": quarry["latencyP50Milliseconds"], "latency_p99_ms": quarry["latencyP99Milliseconds"]})
        for name, prefetch in (("Dramatiq, default prefetch", 0), ("Dramatiq, prefetch 64", 64)):
            rates = [dramatiq_run(url, f"bench-{name[:3]}-{prefetch}-{run}", args.messages, args.concurrency, prefetch) for run in range(args.runs)]
            latencies = dramatiq_latency(url, f"bench-latency-{prefetch}", args.samples, args.concurrency, prefetch)
            rows.append({"who": name.split(",")[0] + " worker", "prefetch": name.split(", ")[1], "messages_per_second": statistics.median(rates),
                         "runs": rates, "latency_p50_ms": percentile(latencies, 0.5), "latency_p99_ms": percentile(latencies, 0.99)})
    finally:
        server.terminate()
        server.wait()

    environment = {key: os.environ.get(key) for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    report = {
        "date": datetime.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "dramatiq": dramatiq.__version__, "messages": args.messages, "concurrency": args.concurrency, "runs": args.runs,
        "samples": args.samples, "environment": environment, "rows": rows,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "queue.json"), "w") as out:
        json.dump(report, out, indent=2)
    default = next(row for row in rows if row["prefetch"] == "default prefetch")
    tuned = next(row for row in rows if row["prefetch"] == "prefetch 64")
    quarry_row = rows[0]
    lines = [
        f"# Queue: a Quarry worker beside Dramatiq {dramatiq.__version__}, same local Redis",
        "",
        f"{args.messages} pre-queued no-op messages per run (median of {args.runs}), one worker process with {args.concurrency} "
        f"loops/threads; latency over {args.samples} messages sent 5 ms apart to the idle worker. {report['date']}, {report['machine']}.",
        "",
        "| worker | prefetch | messages/s | enqueue→start p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(f"| {row['who']} | {row['prefetch']} | {row['messages_per_second']:.0f} | {row['latency_p50_ms']:.2f} | {row['latency_p99_ms']:.2f} |")
    lines += [
        "",
        f"Ratios: Quarry's throughput is {quarry_row['messages_per_second'] / default['messages_per_second']:.2f}x Dramatiq's with its default "
        f"prefetch and {quarry_row['messages_per_second'] / tuned['messages_per_second']:.2f}x with prefetch 64; its enqueue→start p50 is "
        f"{default['latency_p50_ms'] / quarry_row['latency_p50_ms']:.1f}x shorter than Dramatiq's default.",
        "",
        f"Reproduce: `make bench-queue` (`python scripts/bench/queues.py --quarry .build/release/quarry`). "
        f"OPENBLAS_CORETYPE={environment['OPENBLAS_CORETYPE']}, OPENBLAS_L2_SIZE={environment['OPENBLAS_L2_SIZE']} (recorded, not set).",
    ]
    with open(os.path.join(args.out, "queue.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
