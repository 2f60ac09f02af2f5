#!/usr/bin/env python3
"""The real Python Dramatiq (PyPI `dramatiq`) on a Redis broker, as Quarry's queue tests' peer.

    dramatiq_peer.py send   --url URL --namespace NS --queue Q --actor NAME --kwargs JSON [--args JSON] [--max-retries N] [--max-age MS]
    dramatiq_peer.py work   --url URL --namespace NS --queue Q --actor NAME --record KEY --count N [--fail]
    dramatiq_peer.py dead   --url URL --namespace NS --queue Q

`send` enqueues one message through an actor's `send_with_options`, as a Python service would.
`work` runs a Dramatiq worker (one thread) whose actor appends each call's kwargs as JSON to the
Redis list KEY (or raises, with --fail, so Dramatiq's own Retries middleware retries it and
dead-letters it), until N calls happened or 30 s passed. `dead` prints each dead letter of Q as
Dramatiq's own decoder reads it, one JSON object per line. Exit status 0 on success.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker


def broker(args: argparse.Namespace) -> RedisBroker:
    instance = RedisBroker(url=args.url, namespace=args.namespace)
    dramatiq.set_broker(instance)
    return instance


def send(args: argparse.Namespace) -> int:
    broker(args)

    @dramatiq.actor(actor_name=args.actor, queue_name=args.queue)
    def actor(**kwargs):  # never runs here: this process only sends
        pass

    options = {name: value for name, value in (("max_retries", args.max_retries), ("max_age", args.max_age), ("traceparent", args.traceparent))
               if value is not None}
    message = actor.send_with_options(args=tuple(json.loads(args.args)), kwargs=json.loads(args.kwargs), **options)
    print(message.message_id)
    return 0


def work(args: argparse.Namespace) -> int:
    instance = broker(args)
    client = redis.Redis.from_url(args.url)
    calls = []

    # Short backoffs so a retry comes back within the test, not after Dramatiq's default 15 s.
    @dramatiq.actor(actor_name=args.actor, queue_name=args.queue, min_backoff=10, max_backoff=50)
    def actor(**kwargs):
        calls.append(kwargs)
        if args.fail:
            raise RuntimeError(f"failing on purpose: {kwargs}")
        client.rpush(args.record, json.dumps(kwargs, sort_keys=True))

    worker = dramatiq.Worker(instance, worker_threads=1, worker_timeout=100)
    worker.start()
    deadline = time.monotonic() + 30
    try:
        while len(calls) < args.count and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # let the last call's ack, retry or nack reach Redis
    finally:
        worker.stop()
    print(json.dumps({"calls": len(calls)}))
    return 0 if len(calls) >= args.count else 1


def dead(args: argparse.Namespace) -> int:
    client = redis.Redis.from_url(args.url)
    prefix = f"{args.namespace}:{args.queue}.XQ"
    for message_id in client.zrange(prefix, 0, -1):
        body = client.hget(prefix + ".msgs", message_id)
        message = dramatiq.Message.decode(body)
        print(json.dumps({
            "fields": sorted(json.loads(body).keys()),
            "message_id": message.message_id,
            "actor_name": message.actor_name,
            "kwargs": message.kwargs,
            "options": message.options,
        }, sort_keys=True))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("send", "work", "dead"):
        command = commands.add_parser(name)
        command.add_argument("--url", required=True)
        command.add_argument("--namespace", default="dramatiq")
        command.add_argument("--queue", required=True)
        if name != "dead":
            command.add_argument("--actor", required=True)
    commands.choices["send"].add_argument("--kwargs", default="{}")
    commands.choices["send"].add_argument("--args", default="[]")
    commands.choices["send"].add_argument("--max-retries", type=int)
    commands.choices["send"].add_argument("--max-age", type=int)
    commands.choices["send"].add_argument("--traceparent", help="a W3C traceparent, as a message option (Quarry's workers continue its trace)")
    commands.choices["work"].add_argument("--record", required=True)
    commands.choices["work"].add_argument("--count", type=int, default=1)
    commands.choices["work"].add_argument("--fail", action="store_true")
    args = parser.parse_args()
    return {"send": send, "work": work, "dead": dead}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
