#!/usr/bin/env python3
"""Connector actions (`quarry bench actions`) beside Celery: throughput through the `actions` queue
with the effect ledger and the shared limits on, and the limit's accuracy across two processes.

Starts a scratch redis-server on a free port (no persistence), then runs --rounds interleaved
rounds, each of:
  - Quarry, fan-out: 20 workflows, each trigger -> 100 slack nodes -> a no-op, worker concurrency
    64 (quarry worker's most), against the bench's own nginx answering as Slack does: actions/s;
  - Quarry, per run: 2,000 workflows trigger -> 1 slack node -> a no-op;
  - Celery 5 (Redis broker and result backend on the same Redis; a real `celery worker`, prefork
    x 8, the fastest pool tried here): 2,000 tasks each posting the same JSON to an nginx of the
    same configuration through a kept-alive requests session, timed from the first send to the
    last result. Celery keeps no ledger and no limit: each task posts and returns;
  - Quarry, limiter: two processes sharing a 10/s limit through Redis for 30 s.
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
import threading
import time

import requests
from celery import Celery, group

celery_app = Celery("quarry_bench_actions")
session = threading.local()


@celery_app.task(name="bench.post")
def celery_post(url, n):
    """Posts as the Slack node does, on this worker thread's kept-alive session."""
    if not hasattr(session, "http"):
        session.http = requests.Session()
    answer = session.http.post(url, json={"channel": "#bench", "text": f"bench {n}"}, timeout=30)
    return answer.json()["ok"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def kernel_level():
    flags = open("/proc/cpuinfo").read()
    return "avx512f" if "avx512f" in flags else "avx2" if "avx2" in flags else "portable"


NGINX = """worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder};
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      default_type application/json;
      return 200 '{{"ok": true, "channel": "C0BENCH", "ts": "1700000000.000100"}}';
    }}
  }}
}}
"""


def start_sink():
    """An nginx configured as Quarry's own bench sink (Sources/QuarryCLI/Bench/HTTPSink.swift)."""
    folder, port = tempfile.mkdtemp(prefix="quarry-bench-sink-"), free_port()
    with open(os.path.join(folder, "nginx.conf"), "w") as file:
        file.write(NGINX.format(folder=folder, port=port))
    process = subprocess.Popen(["/usr/sbin/nginx", "-p", folder, "-c", os.path.join(folder, "nginx.conf"), "-g", "daemon off;"])
    for _ in range(100):
        try:
            requests.post(f"http://127.0.0.1:{port}/", timeout=1)
            return process, f"http://127.0.0.1:{port}/api/chat.postMessage"
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("nginx did not start")


def celery_round(redis_url, tasks=2000, pool="prefork", concurrency=8):
    """2,000 posts through a Celery worker, timed from the first send to the last result. Prefork x 8
    was the fastest of those tried on 2 cores (one run of 2,000 each: threads x 16 394/s, threads x 64
    416/s, prefork x 4 433/s, prefork x 8 488/s, prefork x 16 485/s)."""
    celery_app.conf.update(broker_url=redis_url, result_backend=redis_url)
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=here + os.pathsep + os.environ.get("PYTHONPATH", ""))
    sink, url = start_sink()
    worker = subprocess.Popen([sys.executable, "-m", "celery", "--app", "actions:celery_app", "--broker", redis_url, "--result-backend", redis_url,
                               "worker", "--pool", pool, "--concurrency", str(concurrency), "--loglevel", "WARNING"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        celery_post.delay(url, -1).get(timeout=120)  # warm-up: the worker is up
        start = time.monotonic()
        results = group(celery_post.s(url, n) for n in range(tasks)).apply_async()
        ok = results.get(timeout=600)
        seconds = time.monotonic() - start
        if not all(ok):
            raise RuntimeError("a Celery post failed")
        result = {"peer": "celery", "tasks": tasks, "seconds": seconds, "actions_per_second": tasks / seconds, "pool": pool, "concurrency": concurrency}
        print(json.dumps(result), flush=True)
        return result
    finally:
        os.killpg(worker.pid, 15)
        worker.wait()
        sink.terminate()
        sink.wait()


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
        fanout, single, celery, limiter = [], [], [], []
        for _ in range(arguments.rounds):
            fanout.append(bench(arguments.quarry, redis_url, "--scenario", "throughput", "--runs", "20", "--width", "100", "--concurrency", "64"))
            single.append(bench(arguments.quarry, redis_url, "--scenario", "throughput", "--runs", "2000", "--width", "1", "--concurrency", "64"))
            celery.append(celery_round(redis_url))
            limiter.append(bench(arguments.quarry, redis_url, "--scenario", "limiter", "--seconds", "30", "--rate", "10", "--senders", "2"))
    finally:
        server.terminate()
        server.wait()
    summary = {
        "date": datetime.date.today().isoformat(), "machine": platform.machine(), "cores": os.cpu_count(), "cpu_flags": kernel_level(),
        "fanout_actions_per_second_median": statistics.median(r["actions_per_second"] for r in fanout),
        "per_run_actions_per_second_median": statistics.median(r["actions_per_second"] for r in single),
        "celery_actions_per_second_median": statistics.median(r["actions_per_second"] for r in celery),
        "limiter_error_percent_median": statistics.median(r["error_percent"] for r in limiter),
        "rounds": {"fanout": fanout, "per_run": single, "celery": celery, "limiter": limiter},
    }
    with open(arguments.out, "w") as file:
        json.dump(summary, file, indent=1)
    print(json.dumps({key: value for key, value in summary.items() if key != "rounds"}))


if __name__ == "__main__":
    sys.exit(main())
