"""A local OTLP/HTTP trace receiver, as an OpenTelemetry collector takes traces: it decodes each
export (protobuf, or OTLP's JSON) with the official `opentelemetry-proto` messages and keeps the
spans for the tests to read.

  POST /v1/traces   -> 200, an empty ExportTraceServiceResponse (as the request was encoded)
  GET  /_spans      -> {"spans": [{"trace_id", "span_id", "parent_span_id", "name", "kind",
                                   "service", "role", "attributes"}, ...]} in arrival order
  GET  /healthz     -> 200
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse

lock = threading.Lock()
spans = []


def value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def record(request):
    for resource_spans in request.resource_spans:
        resource = {a.key: value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                with lock:
                    spans.append({
                        "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(), "parent_span_id": span.parent_span_id.hex(),
                        "name": span.name, "kind": span.kind, "service": resource.get("service.name"), "role": resource.get("quarry.role"),
                        "attributes": {a.key: value(a.value) for a in span.attributes},
                    })


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, data, content_type):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/healthz":
            return self.answer(200, b"ok", "text/plain")
        if self.path == "/_spans":
            with lock:
                return self.answer(200, json.dumps({"spans": spans}).encode(), "application/json")
        self.answer(404, b"", "text/plain")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/traces":
            return self.answer(404, b"", "text/plain")
        request = ExportTraceServiceRequest()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            json_format.Parse(body, request)
            return self.record_and_answer(request, json_format.MessageToJson(ExportTraceServiceResponse()).encode(), "application/json")
        request.ParseFromString(body)
        self.record_and_answer(request, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")

    def record_and_answer(self, request, data, content_type):
        record(request)
        self.answer(200, data, content_type)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
