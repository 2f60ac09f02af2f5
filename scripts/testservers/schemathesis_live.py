"""Runs schemathesis against a live `quarry serve`, with nothing reachable but loopback.

Run inside a network namespace of its own (`unshare -n`), so the URLs schemathesis makes up for
uploads by URL and index jobs can reach nothing outside this machine. Starts the server on the
embedded defaults in a fresh data directory (index_root: a folder with two small documents),
reads the first admin token it prints, runs schemathesis for at most --max-time seconds, stops
the server and exits with schemathesis' status. The server's log is printed when a check fails.

    unshare -n python schemathesis_live.py --quarry .build/debug/quarry --max-time 120
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

CHECKS = ",".join([
    "not_a_server_error",           # never a 5xx (503 excepted: documented, with Retry-After)
    "status_code_conformance",      # every status the server answers is documented for its operation
    "content_type_conformance",     # and so is every content type
    "response_schema_conformance",  # every JSON body matches its schema (additionalProperties: false)
    "response_headers_conformance",
    "negative_data_rejection",      # a body or parameter the schema forbids is refused with a 4xx
    "ignored_auth",                 # a route that needs a token refuses a request without one
])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quarry", required=True)
    parser.add_argument("--max-time", type=int, default=120)
    parser.add_argument("--port", type=int, default=18420)
    arguments = parser.parse_args()

    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    data = tempfile.mkdtemp(prefix="quarry-schemathesis-")
    root = os.path.join(data, "corpus")
    os.makedirs(root)
    with open(os.path.join(root, "tides.txt"), "w") as file:
        file.write("High water comes twice a day, pulled by the moon.\n")
    with open(os.path.join(root, "comets.html"), "w") as file:
        file.write("<html><title>Comets</title><p>A comet's tail points away from the sun.</p></html>")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("QUARRY_") or key == "QUARRY_CACHE"}
    environment["QUARRY_INDEX_ROOT"] = root
    log = open(os.path.join(data, "serve.log"), "w")
    server = subprocess.Popen([arguments.quarry, "serve", "--port", str(arguments.port), "--data", os.path.join(data, "quarry")],
                              stdout=subprocess.PIPE, stderr=log, env=environment, text=True)
    try:
        token = None
        for line in server.stdout:
            parts = line.strip().split(".")
            if len(parts) == 3 and " " not in line.strip():
                token = line.strip()
                break
        if token is None:
            print("schemathesis_live: the server printed no admin token", file=sys.stderr)
            return 2
        base = f"http://127.0.0.1:{arguments.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        # A body over its route's documented byte limit is refused with 413 before its fields are
        # read, so a forbidden body can be refused that way too: 413 joins the statuses
        # schemathesis takes as a refusal (its defaults otherwise).
        config = os.path.join(data, "schemathesis.toml")
        with open(config, "w") as file:
            file.write("[checks.negative_data_rejection]\nexpected-statuses = "
                       "[400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429, \"5xx\"]\n")
        command = [
            os.path.join(os.path.dirname(sys.executable), "schemathesis"), "--config-file", config, "run", base + "/api/v1/openapi.json", "--url", base,
            "-H", f"Authorization: Bearer {token}", "--checks", CHECKS, "--max-time", str(arguments.max_time),
            "--workers", "1", "--request-timeout", "30", "--no-color", "--seed", "20261205",
        ]
        # In the throwaway folder: schemathesis keeps a cache of its own in the working directory.
        result = subprocess.run(command, env={**environment, "SCHEMATHESIS_HOOKS": ""}, cwd=data)
        if result.returncode != 0:
            log.flush()
            with open(os.path.join(data, "serve.log")) as file:
                print("--- quarry serve log (last 80 lines) ---\n" + "".join(file.readlines()[-80:]), file=sys.stderr)
        return result.returncode
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
