"""A local HTTP endpoint that records the requests workflow tests send it: each request's
method, path, Idempotency-Key, Authorization and body. Its "effect" happens once per idempotency key, as a
service that deduplicates by the key would act; the tests read how often each key came.

  POST|PUT|PATCH|DELETE|GET /anything   -> 200 {"ok": true, "seen": <times this key came>}
  .../fail/<n>/...                        -> 503 for the first n requests of each key, then as above
  .../status/<code>/...                   -> always <code>
  .../echo/...                            -> 200 with the request's Authorization in the body, as
                                             some services echo what they were sent
  GET /_effects                           -> {"requests": [...], "keys": {key: count}}
  GET /healthz                            -> 200
  GET /documents/<name>                   -> the file <name> of --documents (text/plain), not recorded
"""
import argparse
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
requests = []
keys = {}
documents = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def document(self, name):
        path = os.path.join(documents, os.path.basename(name))
        if not os.path.isfile(path):
            return self.answer(404, {"error": "no such document"})
        with open(path, "rb") as file:
            data = file.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        if self.path == "/healthz":
            return self.answer(200, {"ok": True})
        if self.command == "GET" and self.path.startswith("/documents/") and documents:
            return self.document(self.path[len("/documents/"):])
        if self.path == "/_effects":
            with lock:
                return self.answer(200, {"requests": list(requests), "keys": dict(keys)})
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        key = self.headers.get("Idempotency-Key")
        with lock:
            seen = keys.get(key, 0) + 1 if key else 0
            if key:
                keys[key] = seen
            requests.append({"method": self.command, "path": self.path, "key": key, "body": body,
                             "content_type": self.headers.get("Content-Type"), "authorization": self.headers.get("Authorization")})
        echo = {"authorization": self.headers.get("Authorization")} if re.search(r"/echo(/|$)", self.path) else {}
        status = re.search(r"/status/(\d{3})(/|$)", self.path)
        if status:
            return self.answer(int(status.group(1)), {"status": int(status.group(1)), **echo})
        if echo:
            return self.answer(200, {"ok": True, "headers": echo})
        fail = re.search(r"/fail/(\d+)(/|$)", self.path)
        if fail and seen <= int(fail.group(1)):
            return self.answer(503, {"error": "failing on purpose", "seen": seen})
        self.answer(200, {"ok": True, "seen": seen})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--documents", help="a folder served at /documents/")
    arguments = parser.parse_args()
    global documents
    documents = arguments.documents
    ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
