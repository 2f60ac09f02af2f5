"""Workflow engines: Quarry's durable DAG engine beside Celery's canvas and Prefect's flows, on the same local Redis.

    python scripts/bench/workflow.py --quarry .build/release/quarry [--runs-count 500] [--prefect-runs-count 100]
                                     [--repeat 5] [--timeout 300] [--out eval/bench] [--skip-quarry]

Starts a scratch redis-server on a free port (no persistence), then runs --repeat rounds, interleaved (round k:
quarry, celery, prefect; round k+1: the same), each peer measuring the same three scenarios on no-op steps:

  runs     --runs-count runs of a 2-step workflow started at once, timed from the first start until all ended.
  chain    one run of 40 steps in sequence, wall time from its start to its end; every step stamps its own
           time.time() at start and end, so node->node latency is each step's start minus its predecessor's end.
  fanout   one run of 1 -> 1000 -> 1: the join must run once, after all 1000 (counted by the join, in Redis).

  quarry   `quarry bench workflow --scenario S --json`: its engine as `quarry worker` runs it, every run and node
           durable in SQLite, messages on this Redis, 2 jobs at once (Sources/QuarryCLI/Commands/BenchWorkflowCommand.swift).
  celery   Celery 5, Redis broker and Redis result backend on this Redis; a real `celery worker` (prefork pool,
           concurrency 2, otherwise Celery's defaults: -O default, which is its fair scheduling, prefetch multiplier 4)
           started for Celery's turn of each round and stopped after it. runs: chain(noop, noop) x N sent at once;
           chain: chain() of 40 tasks passing their list of stamps along; fanout: chord(group(noop x 1000), join).
  prefect  Prefect 3 on its ephemeral local server (PREFECT_API_URL unset, SQLite under a scratch PREFECT_HOME, every
           PREFECT_* variable of the caller dropped): async flows of async tasks, its fastest ordinary form (a sync
           flow waits up to 1 s at its end for its heartbeat thread). runs: a flow of 2 tasks, N runs with 2 in
           flight at once (all at once overloads its SQLite server: 503s, then failed runs), N capped at
           --prefect-runs-count; chain: a flow awaiting 40 tasks in turn; fanout: a flow awaiting 1000 tasks
           together (asyncio.gather), then a join task given all their results.

Each measurement runs in its own process (`workflow.py --peer P --scenario S`, or quarry itself), killed with its
process group after --timeout seconds (plus start-up slack); a warm-up run precedes the timed part. Quarry's map
scenario (100,000 items, peak RSS) runs once after the rounds; the peers have none. Writes eval/bench/workflow.json
and workflow.md. If the quarry command is missing or fails, the peers are still measured and Quarry's lines say why.
"""
import argparse
import asyncio
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import redis
from celery import Celery, chain, chord, group
from celery.exceptions import TimeoutError as CeleryTimeout

SCENARIOS = ("runs", "chain", "fanout")
PEERS = ("quarry", "celery", "prefect")
CHAIN_STEPS = 40
FAN_WIDTH = 1000
STARTUP_SLACK = 180  # seconds a measuring process may take beyond --timeout to start (Prefect's server, a migration)

# Celery's app, shared by the worker subprocess (which imports this file as the module `workflow`) and the
# measuring process; broker and result backend are set by each of them. Tasks are named so both agree.
celery_app = Celery("quarry_bench_workflow")


@celery_app.task(name="bench.noop")
def celery_noop(n=0):
    return n + 1


@celery_app.task(name="bench.step")
def celery_step(stamps):
    start = time.time()
    return stamps + [[start, time.time()]]


@celery_app.task(name="bench.join")
def celery_join(results, url, key):
    redis.Redis.from_url(url).incr(key)
    return len(results)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def edges_ms(stamps: list) -> list:
    """Start of step i minus end of step i-1, in milliseconds, from [[start, end], ...] wall-clock stamps."""
    return [(stamps[i][0] - stamps[i - 1][1]) * 1000 for i in range(1, len(stamps))]


def percentile(values: list, fraction: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * fraction))]


def joins_counted(client: redis.Redis, key: str) -> int:
    time.sleep(1)  # untimed grace: a second execution of the join (a redelivery) would show here
    return int(client.get(key) or 0)


# ---------------------------------------------------------------------------------------------- Celery (one scenario)

def celery_scenario(scenario: str, url: str, runs: int, limit: float) -> dict:
    celery_app.conf.update(broker_url=url, result_backend=url)
    client = redis.Redis.from_url(url)
    chain(celery_noop.s(0), celery_noop.s()).apply_async().get(timeout=120)  # warm-up: the worker is up and forked
    deadline = time.monotonic() + limit

    def wait(result):
        return result.get(timeout=max(0.1, deadline - time.monotonic()))

    try:
        if scenario == "runs":
            start = time.perf_counter()
            results = [chain(celery_noop.s(0), celery_noop.s()).apply_async() for _ in range(runs)]
            for result in results:
                wait(result)
            seconds = time.perf_counter() - start
            return {"scenario": "runs", "runs": runs, "seconds": seconds, "runs_per_second": runs / seconds}
        if scenario == "chain":
            start = time.perf_counter()
            stamps = wait(chain(celery_step.s([]), *[celery_step.s() for _ in range(CHAIN_STEPS - 1)]).apply_async())
            seconds = time.perf_counter() - start
            return {"scenario": "chain", "nodes": len(stamps), "seconds": [seconds], "edge_latency_ms": edges_ms(stamps)}
        key = f"bench:celery:join:{uuid.uuid4()}"
        start = time.perf_counter()
        result = chord(group(celery_noop.s(i) for i in range(FAN_WIDTH)), celery_join.s(url, key)).apply_async()
        published = time.perf_counter() - start
        joined = wait(result)
        seconds = time.perf_counter() - start
        assert joined == FAN_WIDTH, joined
        return {"scenario": "fanout", "width": FAN_WIDTH, "seconds": [seconds], "join_fired": [joins_counted(client, key)],
                "publish_seconds": published}
    except CeleryTimeout:
        return {"scenario": scenario, "error": f"timed out after {limit:.0f} s"}


def start_celery_worker(url: str, log) -> subprocess.Popen:
    """`celery worker` in its own process group, this file importable as the module `workflow`."""
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=here + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "workflow:celery_app", "--broker", url, "--result-backend", url,
         "worker", "--pool", "prefork", "--concurrency", "2", "--loglevel", "WARNING"],
        env=env, stdout=log, stderr=log, start_new_session=True)


# --------------------------------------------------------------------------------------------- Prefect (one scenario)

def prefect_scenario(scenario: str, url: str, runs: int, concurrency: int, limit: float) -> dict:
    from prefect import flow, task  # here: importing Prefect reads PREFECT_HOME, set by the caller

    client = redis.Redis.from_url(url)

    @task(name="noop")
    async def noop(n=0):
        return n + 1

    @task(name="step")
    async def step(stamps):
        start = time.time()
        return stamps + [[start, time.time()]]

    @task(name="join")
    async def join(results, key):
        client.incr(key)
        return len(results)

    @flow(name="pair")
    async def pair():
        return await noop(await noop(0))

    @flow(name="chain")
    async def chain_flow():
        stamps = []
        for _ in range(CHAIN_STEPS):
            stamps = await step(stamps)
        return stamps

    @flow(name="fanout")
    async def fanout_flow(key):
        results = await asyncio.gather(*(noop(i) for i in range(FAN_WIDTH)))
        return await join(results, key)

    async def measure() -> dict:
        if scenario == "runs":
            gate = asyncio.Semaphore(concurrency)

            async def one():
                async with gate:
                    await pair()

            start = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(runs)))
            seconds = time.perf_counter() - start
            return {"scenario": "runs", "runs": runs, "seconds": seconds, "runs_per_second": runs / seconds}
        if scenario == "chain":
            start = time.perf_counter()
            stamps = await chain_flow()
            seconds = time.perf_counter() - start
            return {"scenario": "chain", "nodes": len(stamps), "seconds": [seconds], "edge_latency_ms": edges_ms(stamps)}
        key = f"bench:prefect:join:{uuid.uuid4()}"
        start = time.perf_counter()
        joined = await fanout_flow(key)
        seconds = time.perf_counter() - start
        assert joined == FAN_WIDTH, joined
        return {"scenario": "fanout", "width": FAN_WIDTH, "seconds": [seconds], "join_fired": [joins_counted(client, key)]}

    async def main() -> dict:
        await pair()  # warm-up: starts the ephemeral server
        try:
            return await asyncio.wait_for(measure(), limit)
        except asyncio.TimeoutError:
            return {"scenario": scenario, "error": f"timed out after {limit:.0f} s"}

    return asyncio.run(main())


def prefect_environment(home: str) -> dict:
    """The caller's environment without any PREFECT_* setting, Prefect's home in the scratch folder."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    env.update(PREFECT_HOME=home, PREFECT_SERVER_ANALYTICS_ENABLED="false",  # no telemetry lookups from a bench
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")      # a cold start (migrations) on a busy machine
    return env


# ------------------------------------------------------------------------------------------------------- orchestration

def stop_group(process: subprocess.Popen, grace: float = 10) -> None:
    """Ends the process group this script started for `process` (the leader and whatever it left running)."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.2)


def run_measure(command: list, env: dict, limit: float, log_path: str) -> dict:
    """Runs one measuring command in its own process group; its JSON object (last line of stdout) or an error.
    Its standard error is appended to the log."""
    with tempfile.TemporaryFile() as err:
        try:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, env=env, start_new_session=True)
        except OSError as error:
            return {"error": f"could not start {command[0]}: {error}"}
        try:
            out, _ = process.communicate(timeout=limit)
            failure = None
        except subprocess.TimeoutExpired:
            out, failure = b"", f"killed after {limit:.0f} s"
        stop_group(process, grace=5)  # all of it, and Prefect's ephemeral server should it outlive its client
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    with open(log_path, "a") as log:
        log.write(f"\n$ {shlex.join(command)}\n{stderr}")
    lines = [line for line in out.decode(errors="replace").splitlines() if line.startswith("{")]
    if failure is None and (process.returncode != 0 or not lines):
        tail = [line.strip() for line in stderr.strip().splitlines()[-3:]]
        failure = f"exit {process.returncode}: " + (" / ".join(tail) if tail else "no output")
    return {"error": failure} if failure else json.loads(lines[-1])


def describe(result: dict) -> str:
    if "error" in result:
        return "ERROR " + result["error"]
    if result.get("scenario") == "runs":
        return f"{result['runs_per_second']:.1f} runs/s ({result['runs']} runs in {result['seconds']:.2f} s)"
    if result.get("scenario") == "chain":
        return f"{result['seconds'][0]:.3f} s, edge p50 {statistics.median(result['edge_latency_ms']):.2f} ms"
    if result.get("scenario") == "fanout":
        return f"{result['seconds'][0]:.2f} s, join fired {result['join_fired']}"
    return json.dumps(result)[:200]


def summarise(results: dict) -> dict:
    """Medians over the rounds (and pooled edges) of one peer's per-round results."""
    ok = {scenario: [r for r in results.get(scenario, []) if "error" not in r] for scenario in SCENARIOS}
    errors = {scenario: [r["error"] for r in results.get(scenario, []) if "error" in r] for scenario in SCENARIOS}
    summary = {"errors": {s: e for s, e in errors.items() if e}}
    if ok["runs"]:
        rates = [r["runs_per_second"] for r in ok["runs"]]
        summary["runs"] = {"runs_per_run": ok["runs"][0]["runs"], "runs_per_second_median": statistics.median(rates),
                           "runs_per_second": rates}
    if ok["chain"]:
        seconds = [s for r in ok["chain"] for s in r["seconds"]]
        edges = [e for r in ok["chain"] for e in r["edge_latency_ms"]]
        summary["chain"] = {"nodes": ok["chain"][0]["nodes"], "seconds_median": statistics.median(seconds), "seconds": seconds}
        summary["latency"] = {"edges": len(edges), "p50_ms": percentile(edges, 0.5), "p99_ms": percentile(edges, 0.99)}
    if ok["fanout"]:
        seconds = [s for r in ok["fanout"] for s in r["seconds"]]
        fired = [f for r in ok["fanout"] for f in r["join_fired"]]
        summary["fanout"] = {"width": ok["fanout"][0]["width"], "seconds_median": statistics.median(seconds), "seconds": seconds,
                             "join_fired": fired, "join_once": all(f == 1 for f in fired)}
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarry", help="the quarry binary (required unless --skip-quarry)")
    parser.add_argument("--runs-count", type=int, default=500, help="runs started at once in the runs scenario")
    parser.add_argument("--prefect-runs-count", type=int, default=100,
                        help="Prefect's runs in the runs scenario, at most --runs-count (it does ~2-3 runs/s here)")
    parser.add_argument("--prefect-concurrency", type=int, default=2, help="Prefect flow runs in flight at once (runs)")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed to each timed scenario of each peer")
    parser.add_argument("--out", default="eval/bench")
    parser.add_argument("--skip-quarry", action="store_true", help="measure the peers only")
    # One measurement in this process's own child (used by the rounds above).
    parser.add_argument("--peer", choices=("celery", "prefect"), help=argparse.SUPPRESS)
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.peer:
        if args.peer == "celery":
            result = celery_scenario(args.scenario, args.redis, args.runs_count, args.timeout)
        else:
            result = prefect_scenario(args.scenario, args.redis, args.runs_count, args.prefect_concurrency, args.timeout)
        print(json.dumps(result), flush=True)
        return 0

    if not args.skip_quarry and not args.quarry:
        parser.error("--quarry PATH is required (or --skip-quarry to measure the peers only)")
    quarry_skipped = "--skip-quarry" if args.skip_quarry else None
    if not quarry_skipped and not (os.path.isfile(args.quarry) and os.access(args.quarry, os.X_OK)):
        quarry_skipped = f"{args.quarry} not found (build it: make release)"
        print(f"quarry: {quarry_skipped}; measuring the peers only", file=sys.stderr)
    prefect_runs = min(args.runs_count, args.prefect_runs_count)
    scratch = tempfile.mkdtemp(prefix="bench-workflow-py-")
    log_path = os.path.join(scratch, "bench.log")
    prefect_env = prefect_environment(os.path.join(scratch, "prefect-home"))
    me = [sys.executable, os.path.abspath(__file__)]

    load_at_start = os.getloadavg()[0]
    port = free_port()
    server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL)
    raw = {peer: {scenario: [] for scenario in SCENARIOS} for peer in PEERS}
    quarry_map = None
    try:
        url = f"redis://127.0.0.1:{port}"
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        redis_version = client.info("server")["redis_version"]
        limit = args.timeout + STARTUP_SLACK
        for round_index in range(args.repeat):
            for peer in PEERS:
                if peer == "quarry" and quarry_skipped:
                    continue
                client.flushall()  # each peer's turn starts on an empty Redis
                worker_log = open(log_path, "ab") if peer == "celery" else None
                worker = start_celery_worker(url, worker_log) if worker_log else None
                try:
                    for scenario in SCENARIOS:
                        if peer == "quarry":
                            command = [args.quarry, "bench", "workflow", "--redis", url, "--scenario", scenario, "--json"]
                            command += ["--runs", str(args.runs_count)] if scenario == "runs" else ["--repeat", "1"]
                            result = run_measure(command, dict(os.environ), limit, log_path)
                        else:
                            command = me + ["--peer", peer, "--scenario", scenario, "--redis", url, "--timeout", str(args.timeout),
                                            "--runs-count", str(prefect_runs if peer == "prefect" else args.runs_count),
                                            "--prefect-concurrency", str(args.prefect_concurrency)]
                            result = run_measure(command, prefect_env if peer == "prefect" else dict(os.environ), limit, log_path)
                        raw[peer][scenario].append(result)
                        print(f"round {round_index + 1}/{args.repeat} {peer:8} {scenario:7} {describe(result)}", file=sys.stderr, flush=True)
                finally:
                    if worker:
                        stop_group(worker)
                        worker_log.close()
        if not quarry_skipped:
            client.flushall()
            quarry_map = run_measure([args.quarry, "bench", "workflow", "--redis", url, "--scenario", "map", "--json"],
                                     dict(os.environ), limit, log_path)
            print(f"quarry map: {json.dumps(quarry_map)}", file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait()
    if not quarry_skipped and raw["quarry"]["runs"] and all("error" in r for results in raw["quarry"].values() for r in results):
        print("quarry: every `quarry bench workflow` call failed (does this build have it?); see " + log_path, file=sys.stderr)

    summaries = {peer: summarise(raw[peer]) for peer in PEERS}
    environment = {key: os.environ.get(key) for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    versions = {"celery": importlib.metadata.version("celery"), "kombu": importlib.metadata.version("kombu"),
                "prefect": importlib.metadata.version("prefect"), "redis_server": redis_version,
                "redis_py": importlib.metadata.version("redis"), "python": platform.python_version()}
    report = {
        "date": datetime.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "command": shlex.join(["python", os.path.relpath(sys.argv[0])] + sys.argv[1:]), "versions": versions,
        "repeat": args.repeat, "runs_count": args.runs_count, "prefect_runs_count": prefect_runs,
        "prefect_concurrency": args.prefect_concurrency, "timeout_seconds": args.timeout, "quarry_skipped": quarry_skipped,
        "load_average": {"start": load_at_start, "end": os.getloadavg()[0]},
        "environment": environment, "summary": summaries, "quarry_map": quarry_map, "raw": raw,
    }
    report["goals"] = goals(summaries["quarry"], quarry_map)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "workflow.json"), "w") as out:
        json.dump(report, out, indent=2)
    lines = markdown(report)
    with open(os.path.join(args.out, "workflow.md"), "w") as out:
        out.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    if any("error" in r for peer in raw.values() for results in peer.values() for r in results) or (quarry_map or {}).get("error"):
        print(f"(log of every measuring process kept: {log_path})", file=sys.stderr)
    else:
        shutil.rmtree(scratch, ignore_errors=True)  # the log and Prefect's scratch home
    return 0


# ---------------------------------------------------------------------------------------------------------- reporting

def goals(quarry: dict, quarry_map) -> list:
    """Quarry's goals, each met, missed or not measured."""
    def verdict(value, ok):
        return "not measured" if value is None else ("met" if ok(value) else "missed")

    runs = quarry.get("runs", {}).get("runs_per_second_median")
    chain_s = quarry.get("chain", {}).get("seconds_median")
    fan = quarry.get("fanout")
    p50 = quarry.get("latency", {}).get("p50_ms")
    p99 = quarry.get("latency", {}).get("p99_ms")
    rss = quarry_map.get("max_rss_mb") if quarry_map and "error" not in quarry_map else None
    fan_value = (fan["seconds_median"], fan["join_once"]) if fan else None
    return [
        {"goal": "(a) runs/s of a 2-node workflow ≥ 500", "value": runs, "unit": "runs/s", "verdict": verdict(runs, lambda v: v >= 500)},
        {"goal": "(b) 40-node chain ≤ 0.25 s", "value": chain_s, "unit": "s", "verdict": verdict(chain_s, lambda v: v <= 0.25)},
        {"goal": "(c) fan-out 1→1000→1 ≤ 3 s, join once", "value": fan_value, "unit": "s",
         "verdict": verdict(fan_value, lambda v: v[0] <= 3 and v[1])},
        {"goal": "(d) node→node p50 ≤ 5 ms", "value": p50, "unit": "ms", "verdict": verdict(p50, lambda v: v <= 5)},
        {"goal": "(d) node→node p99 ≤ 25 ms", "value": p99, "unit": "ms", "verdict": verdict(p99, lambda v: v <= 25)},
        {"goal": "map of 100,000 items within 256 MB", "value": rss, "unit": "MB peak RSS", "verdict": verdict(rss, lambda v: v <= 256)},
    ]


def markdown(report: dict) -> list:
    summary, versions = report["summary"], report["versions"]
    names = {"quarry": "Quarry", "celery": f"Celery {versions['celery']}", "prefect": f"Prefect {versions['prefect']}"}
    skipped = report["quarry_skipped"]

    def cell(peer, scenario, key, fmt):
        if peer == "quarry" and skipped:
            return "not run"
        value = summary[peer].get(scenario, {}).get(key)
        if value is None:
            errors = summary[peer]["errors"].get("chain" if scenario == "latency" else scenario)
            return f"failed: {errors[0]}" if errors else "—"
        return fmt.format(value)

    def ratio(scenario, key, subject, words=None):
        """"Quarry's runs/s is 3.1x Celery's …" (words None: higher is better) or, for times, "Quarry's chain is 5.0x
        faster than Celery's …" with words ("faster", "slower"); from the medians."""
        quarry = summary["quarry"].get(scenario, {}).get(key)
        if not quarry:
            return "Ratio of medians: not available (Quarry not measured)."
        parts = []
        for peer in ("celery", "prefect"):
            other = summary[peer].get(scenario, {}).get(key)
            if not other:
                continue
            short = names[peer].split()[0]
            if words is None:
                parts.append(f"{quarry / other:.1f}x {short}'s")
            elif other >= quarry:
                parts.append(f"{other / quarry:.1f}x {words[0]} than {short}'s")
            else:
                parts.append(f"{quarry / other:.1f}x {words[1]} than {short}'s")
        return f"Ratio of medians: Quarry's {subject} is " + " and ".join(parts) + "." if parts else ""

    lines = [
        f"# Workflow engines: Quarry beside Celery {versions['celery']} and Prefect {versions['prefect']}, same local Redis",
        "",
        f"No-op steps; {report['repeat']} interleaved round{'s' if report['repeat'] != 1 else ''} (each round: Quarry, Celery, Prefect), every measurement in its "
        f"own process after a warm-up run, each bounded by {report['timeout_seconds']:.0f} s. Redis {versions['redis_server']} "
        f"(scratch, no persistence, emptied before each peer's turn). {report['date']}, {report['machine']}; load average "
        f"{report['load_average']['start']:.1f} at the start and {report['load_average']['end']:.1f} at the end (not controlled).",
        "",
        "- Quarry: `quarry bench workflow`, its engine as `quarry worker` runs it: runs and nodes durable in SQLite, "
        "messages on Redis, 2 jobs at once.",
        f"- Celery {versions['celery']} (kombu {versions['kombu']}): Redis broker and Redis result backend; one `celery worker`, "
        "prefork pool, concurrency 2 (the 2 cores), otherwise defaults (`-O default`, which in Celery 5 is its fair "
        "scheduling; prefetch multiplier 4); not durable past Redis's own keeping (no persistence here).",
        f"- Prefect {versions['prefect']}: its ephemeral local server on SQLite (PREFECT_API_URL unset, scratch PREFECT_HOME), "
        "async flows and async tasks (a sync flow spends up to 1 s more at its end joining its heartbeat thread); its "
        "timings end when the flow call returns, while its server may still be recording task runs from their events.",
    ]
    quarry_errors = [e for errors in summary["quarry"]["errors"].values() for e in errors]
    if skipped:
        lines += ["", f"**Quarry was not measured: {skipped}.** Its rows and the goals below say so."]
    elif quarry_errors and not any(summary["quarry"].get(scenario) for scenario in SCENARIOS):
        lines += ["", f"**Every `quarry bench workflow` call failed ({quarry_errors[0]}).** Its rows and the goals below say so."]

    lines += ["", f"## (a) Runs per second, 2-step workflow", "",
              f"Quarry and Celery: {report['runs_count']} runs started at once, timed from the first start until all ended. "
              f"Prefect: {report['prefect_runs_count']} runs with {report['prefect_concurrency']} in flight at once (started all "
              "at once, its SQLite server answers 503 to the flow-run creations and runs fail after its retries)"
              + (f"; {report['prefect_runs_count']} rather than {report['runs_count']} keeps its turn to a few minutes, and runs/s "
                 "is still comparable." if report["prefect_runs_count"] < report["runs_count"] else "."),
              "", "| engine | runs per round | runs/s (median) | each round |", "|---|---:|---:|---|"]
    for peer in PEERS:
        each = ", ".join(f"{v:.1f}" for v in summary[peer].get("runs", {}).get("runs_per_second", []))
        count = summary[peer].get("runs", {}).get("runs_per_run", "")
        lines.append(f"| {names[peer]} | {count} | {cell(peer, 'runs', 'runs_per_second_median', '{:.1f}')} | {each} |")
    lines += ["", ratio("runs", "runs_per_second_median", "runs/s"),
              "Published: n8n, 220 executions/s on 2 vCPU (its own benchmark; executions not durable, unlike Quarry's runs)."]

    lines += ["", "## (b) 40-step sequential chain, wall time", "",
              "One run per round, from its start to its end.", "",
              "| engine | median s | each round (s) |", "|---|---:|---|"]
    for peer in PEERS:
        each = ", ".join(f"{v:.3f}" for v in summary[peer].get("chain", {}).get("seconds", []))
        lines.append(f"| {names[peer]} | {cell(peer, 'chain', 'seconds_median', '{:.3f}')} | {each} |")
    lines += ["", ratio("chain", "seconds_median", "chain", ("faster", "slower")),
              "Published (Windmill's benchmark, 40 tasks in sequence): Hatchet 1.22 s, Temporal 2.97 s, Prefect 4.87 s, "
              "Airflow 116 s — but each of those tasks sleeps ~10 ms (≈0.4 s of the total), while these are no-ops."]

    lines += ["", "## (c) Fan-out 1 → 1000 → 1, wall time", "",
              "One run per round; the join must run exactly once, after all 1000 (it counts itself in Redis; read 1 s after "
              "the run ended, so a late second execution would show).", "",
              "| engine | median s | join executions per run | each round (s) |", "|---|---:|---|---|"]
    for peer in PEERS:
        fan = summary[peer].get("fanout", {})
        each = ", ".join(f"{v:.2f}" for v in fan.get("seconds", []))
        fired = ", ".join(str(f) for f in fan.get("join_fired", []))
        lines.append(f"| {names[peer]} | {cell(peer, 'fanout', 'seconds_median', '{:.2f}')} | {fired} | {each} |")
    publish = [r["publish_seconds"] for r in report["raw"]["celery"]["fanout"] if "publish_seconds" in r]
    if publish:
        lines += ["", f"Of Celery's time, its client spends a median {statistics.median(publish):.2f} s sending the chord "
                  f"({FAN_WIDTH} header messages; the worker starts on them meanwhile)."]
    lines += ["", ratio("fanout", "seconds_median", "fan-out", ("faster", "slower"))]

    lines += ["", "## (d) Node → node latency, from the chain", "",
              "Start of step i minus end of step i−1 (each step's own wall-clock stamps), every edge of every round pooled.", "",
              "| engine | edges | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    for peer in PEERS:
        lat = summary[peer].get("latency", {})
        lines.append(f"| {names[peer]} | {lat.get('edges', '')} | {cell(peer, 'latency', 'p50_ms', '{:.2f}')} | "
                     f"{cell(peer, 'latency', 'p99_ms', '{:.2f}')} |")
    lines += ["", ratio("latency", "p50_ms", "p50", ("shorter", "longer"))]

    qmap = report["quarry_map"]
    lines += ["", "## Map, Quarry only", ""]
    if skipped:
        lines.append("Not run.")
    elif not qmap or "error" in qmap:
        lines.append(f"Failed: {(qmap or {}).get('error', 'not run')}.")
    else:
        lines.append(f"One map node over {qmap['items']:,} items (`quarry bench workflow --scenario map`): {qmap['seconds']:.1f} s, "
                     f"peak RSS of the whole quarry process {qmap['max_rss_mb']:.0f} MB (goal: within 256 MB). The peers have no "
                     "such step here.")

    lines += ["", "## Goals (Quarry)", "", "| goal | Quarry | verdict |", "|---|---|---|"]
    for goal in report["goals"]:
        value = goal["value"]
        if value is None:
            shown = "—"
        elif isinstance(value, (tuple, list)):
            shown = f"{value[0]:.2f} s, join once: {'yes' if value[1] else 'no'}"
        else:
            shown = f"{value:.{1 if goal['unit'] in ('runs/s', 'MB peak RSS') else 3 if goal['unit'] == 's' else 2}f} {goal['unit']}"
        lines.append(f"| {goal['goal']} | {shown} | {goal['verdict']} |")

    failures = [f"{names[p]} {s}: {'; '.join(e)}" for p in PEERS for s, e in summary[p]["errors"].items()]
    if failures:
        lines += ["", "Failures and timeouts: " + " — ".join(failures) + "."]
    env = report["environment"]
    lines += ["", f"Reproduce: `make bench-workflow` (`python scripts/bench/workflow.py --quarry .build/release/quarry`); this "
              f"report: `{report['command']}`. OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}, "
              f"OPENBLAS_L2_SIZE={env['OPENBLAS_L2_SIZE']} (recorded, not set)."]
    return lines


if __name__ == "__main__":
    sys.exit(main())
