import Foundation
import QuarryTestSupport
import Testing

/// Traces with `otel_endpoint`: a client's W3C `traceparent` is continued by the API's spans, carried
/// inside the queued job to the worker (in the server's process on the embedded queue, in `quarry
/// worker` over Redis), and every span reaches a local OTLP/HTTP receiver under the client's trace id.
@Suite("traces across API, queue and worker", .serialized)
struct TracingTests {
    /// A `traceparent` for a new trace: version 00, the trace id, the client's span id, sampled.
    static func parent() -> (header: String, trace: String, span: String) {
        let hex = { (count: Int) in (0..<count).map { _ in String("0123456789abcdef".randomElement()!) }.joined() }
        let (trace, span) = (hex(32), hex(16))
        return ("00-\(trace)-\(span)-01", trace, span)
    }

    /// curl with a `traceparent`: the status.
    static func send(_ url: String, token: String, traceparent: String, _ extra: [String]) throws -> Int {
        let output = try run("/usr/bin/curl", ["-sS", "-m", "60", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)",
                                               "-H", "traceparent: \(traceparent)"] + extra + [url])
        return Int(output) ?? 0
    }

    @Test("a client's trace id reaches the API's, the queue's and the worker's spans, for an upload and a question",
          arguments: TenantIsolationTests.Deployment.allCases)
    func acrossProcesses(deployment: TenantIsolationTests.Deployment) async throws {
        let receiver = try OTLPReceiver()
        defer { receiver.stop() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tracing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let file = root.appendingPathComponent("tides.txt")
        try "High water comes twice a day, pulled by the moon.".write(to: file, atomically: true, encoding: .utf8)
        let stack = try TenantIsolationTests.Stack(deployment, indexRoot: root, extra: ["QUARRY_OTEL_ENDPOINT": receiver.url])
        defer { stack.stop() }
        let (server, token) = (stack.server, try stack.token("acme", "editor"))
        let base = server.url

        let upload = Self.parent()
        let status = try await offPool { try Self.send(base + "/api/v1/documents", token: token, traceparent: upload.header, ["-F", "file=@\(file.path)"]) }
        #expect(status == 202)
        let question = Self.parent()
        try await TenantIsolationTests.wait { try server.get("/api/v1/documents", token: token).body.contains(#""status":"indexed""#) }
        let asked = try await offPool {
            try Self.send(base + "/api/v1/rag/query", token: token, traceparent: question.header,
                          ["-H", "Content-Type: application/json", "--data-binary", #"{"query": "when is high water?"}"#])
        }
        #expect(asked == 200)
        let workflow = #"{"id": "traced", "name": "traced", "nodes": [{"id": "start", "type": "trigger", "config": {}}, "#
            + #"{"id": "ask", "type": "rag_query", "config": {"query": "{{ trigger.q }}"}}], "edges": [{"from": "start", "to": "ask"}]}"#
        #expect(try server.post("/api/v1/workflows", token: token, body: workflow).status == 201)
        let run = Self.parent()
        let started = try await offPool {
            try Self.send(base + "/api/v1/workflows/traced/run", token: token, traceparent: run.header,
                          ["-H", "Content-Type: application/json", "--data-binary", #"{"inputs": {"q": "when is high water?"}}"#])
        }
        #expect(started == 202)

        // Spans go out in batches, every few seconds.
        let wanted = ["parse", "chunk", "embed and index", "embed", "search", "citations", "answer", "node ask"]
        try await TenantIsolationTests.wait(seconds: 60) { Set(try receiver.spans().map(\.name)).isSuperset(of: wanted) }
        let spans = try receiver.spans()
        let ingest = spans.filter { $0.traceId == upload.trace }
        let names = Set(ingest.map(\.name))
        #expect(names.isSuperset(of: ["POST /api/v1/documents", "ingest_document", "parse", "chunk", "embed and index"]), "\(names.sorted())")
        let request = try #require(ingest.first { $0.name == "POST /api/v1/documents" })
        #expect(request.parentSpanId == upload.span && request.kind == 2 && request.role == "serve", "the server span continues the client's")
        let job = try #require(ingest.first { $0.name == "ingest_document" })
        #expect(job.kind == 5 && job.role == (deployment == .production ? "worker" : "serve"), "\(job)")
        #expect(ingest.first { $0.name == "parse" }?.parentSpanId == job.spanId, "the stages are the job's")

        let query = spans.filter { $0.traceId == question.trace }
        let served = try #require(query.first { $0.name == "POST /api/v1/rag/query" })
        #expect(served.parentSpanId == question.span)
        let queried = try #require(query.first { $0.name == "query" })
        #expect(queried.parentSpanId == served.spanId)
        let stages = query.filter { $0.parentSpanId == queried.spanId }.map(\.name)
        #expect(Set(stages) == ["cache", "embed", "search", "load", "citations", "answer"], "\(stages)")
        // The run: its request, the job that starts it, and each node's job and span, one trace.
        let running = spans.filter { $0.traceId == run.trace }
        #expect(Set(running.map(\.name)).isSuperset(of: ["POST /api/v1/workflows/{id}/run", "run_start", "run_node", "node ask"]),
                "\(running.map(\.name).sorted())")
        let node = try #require(running.first { $0.name == "node ask" })
        #expect(running.first { $0.spanId == node.parentSpanId }?.name == "run_node")
        #expect(running.contains { $0.name == "query" && $0.parentSpanId == node.spanId }, "the node's question is a query span of the node")
        #expect(spans.allSatisfy { $0.service == "quarry" })
        #expect(!spans.contains { $0.name.contains(token) })
    }

    @Test("through nginx (nginx/quarry.conf), a client's traceparent reaches the server's span")
    func throughNginx() async throws {
        let receiver = try OTLPReceiver()
        defer { receiver.stop() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tracing-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let stack = try TenantIsolationTests.Stack(.embedded, indexRoot: root, extra: ["QUARRY_OTEL_ENDPOINT": receiver.url])
        defer { stack.stop() }
        let token = try stack.token("acme", "viewer")
        let port = try #require(URLComponents(string: stack.server.url)?.port)
        let proxy = try await offPool { try NginxProxy(upstreamPort: port) }
        defer { proxy.stop() }
        let client = Self.parent()
        let listed = try await offPool {
            try proxy.curl("/api/v1/documents", headers: ["Authorization: Bearer \(token)", "traceparent: \(client.header)"])
        }
        #expect(listed.status == 200)
        try await TenantIsolationTests.wait(seconds: 60) { try receiver.spans().contains { $0.traceId == client.trace } }
        let span = try #require(try receiver.spans().first { $0.traceId == client.trace })
        #expect(span.name == "GET /api/v1/documents" && span.parentSpanId == client.span && span.kind == 2, "\(span)")
    }

    @Test("a collector that is down costs no request: uploads and questions answer as without tracing")
    func collectorDown() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tracing-down-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let closed = try freePort()
        let stack = try TenantIsolationTests.Stack(.embedded, indexRoot: root, extra: ["QUARRY_OTEL_ENDPOINT": "http://127.0.0.1:\(closed)"])
        defer { stack.stop() }
        let (server, token) = (stack.server, try stack.token("acme", "editor"))
        let file = root.appendingPathComponent("tides.txt")
        try "High water comes twice a day, pulled by the moon.".write(to: file, atomically: true, encoding: .utf8)
        #expect(try server.upload("/api/v1/documents", token: token, file: file.path).status == 202)
        try await TenantIsolationTests.wait { try server.get("/api/v1/documents", token: token).body.contains(#""status":"indexed""#) }
        for _ in 0..<20 {
            let answer = try server.post("/api/v1/rag/query", token: token, body: #"{"query": "when is high water?"}"#)
            #expect(answer.status == 200 && answer.body.contains("tides.txt"))
        }
        #expect(server.terminate() == 0, "a graceful stop, the exporter's flush given up")
    }
}
