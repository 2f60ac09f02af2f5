#!/usr/bin/env python3
"""Connector actions (`quarry bench actions`): throughput through the `actions` queue with the
effect ledger and the shared limits on, and the limit's accuracy across two processes.

Starts a scratch redis-server on a free port (no persistence) and an nginx sink (the bench's own),
then runs, on the release binary:
  - fan-out: --rounds runs of 20 workflows, each trigger -> 100 slack nodes -> a no-op, worker
    concurrency 64 (quarry worker's most): actions per second;
  - per run: --rounds runs of 2,000 workflows trigger -> 1 slack node -> a no-op;
  - limiter: --rounds runs of two processes sharing a 10/s limit through Redis for 30 s.
Prints each result as a JSON line and writes eval/bench/actions.json with the medians.

  python scripts/bench/actions.py --quarry .build/release/quarry
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
import tempfile
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kernel_level():
    flags = open("/proc/cpuinfo").read()
    return "avx512f" if "avx512f" in flags else "avx2" if "avx2" in flags else "portable"


def bench(quarry, redis_url, *arguments):
    output = subprocess.run([quarry, "bench", "actions", "--redis", redis_url, "--json", *arguments],
                            check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    print(json.dumps(result), flush=True)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="eval/bench/actions.json")
    arguments = parser.parse_args()
    port = free_port()
    folder = tempfile.mkdtemp(prefix="quarry-bench-actions-")
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", folder],
                              stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    redis_url = f"redis://127.0.0.1:{port}"
    try:
        fanout, single, limiter = [], [], []
        for _ in range(arguments.rounds):
            fanout.append(bench(arguments.quarry, redis_url, "--scenario", "throughput", "--runs", "20", "--width", "100", "--concurrency", "64"))
            single.append(bench(arguments.quarry, redis_url, "--scenario", "throughput", "--runs", "2000", "--width", "1", "--concurrency", "64"))
            limiter.append(bench(arguments.quarry, redis_url, "--scenario", "limiter", "--seconds", "30", "--rate", "10", "--senders", "2"))
    finally:
        server.terminate()
        server.wait()
    summary = {
        "date": datetime.date.today().isoformat(), "machine": platform.machine(), "cores": os.cpu_count(), "cpu_flags": kernel_level(),
        "fanout_actions_per_second_median": statistics.median(r["actions_per_second"] for r in fanout),
        "per_run_actions_per_second_median": statistics.median(r["actions_per_second"] for r in single),
        "limiter_error_percent_median": statistics.median(r["error_percent"] for r in limiter),
        "rounds": {"fanout": fanout, "per_run": single, "limiter": limiter},
    }
    with open(arguments.out, "w") as file:
        json.dump(summary, file, indent=1)
    print(json.dumps({key: value for key, value in summary.items() if key != "rounds"}))


if __name__ == "__main__":
    sys.exit(main())
