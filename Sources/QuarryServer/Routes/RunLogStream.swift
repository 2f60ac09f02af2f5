import Foundation
import HTTPTypes
import Hummingbird
import Logging
import QuarryCore
import QuarryWorkflow
import ServiceLifecycle

/// `GET /api/v1/runs/{id}/logs` with `Accept: text/event-stream`: the run's log as it is written.
/// Events: `log` (one line, as in the JSON list; its `id` is the SSE event id, so a client that
/// reconnects sends it back as `Last-Event-ID` and reads on from there), then `end`
/// (`{"status": …}`) once the run has ended and every line is sent; or `error` (the Error body).
/// When the server begins a graceful shutdown the stream ends without `end`: a run can outlast
/// any grace period, and an open stream would hold the server until it is killed. The client
/// reconnects (to another instance) with `Last-Event-ID` and misses nothing.
enum RunLogStream {
    /// How often the store is read for new lines while the run goes on: often enough that the
    /// builder shows a node's change within about 100 ms (make bench-ui), one small read each time.
    static let poll: Duration = .milliseconds(50)

    static func response(engine: WorkflowEngine, run id: String, tenant: String, after start: String?, logger: Logger) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"  // nginx would buffer the stream otherwise
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var after = start
            do {
                while true {
                    let lines = try await engine.logs(of: id, tenant: tenant, after: after, limit: 200)
                    for line in lines {
                        try await writer.write(ByteBuffer(bytes: frame("log", RunLogBody(line), id: line.id)))
                        after = line.id
                    }
                    if lines.count == 200 { continue }
                    // Ended and read to the end: the lines the ending wrote are in before the status.
                    let run = try await engine.run(id, tenant: tenant)
                    if run.status.isFinished {
                        let rest = try await engine.logs(of: id, tenant: tenant, after: after, limit: 1000)
                        for line in rest { try await writer.write(ByteBuffer(bytes: frame("log", RunLogBody(line), id: line.id))) }
                        struct End: Encodable { let status: Run.Status }
                        try await writer.write(ByteBuffer(bytes: frame("end", End(status: run.status), id: nil)))
                        break
                    }
                    if Task.isShuttingDownGracefully { break }
                    try await Task.sleep(for: poll)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try await writer.write(ByteBuffer(bytes: frame("error", ErrorMap.apiError(for: error, logger: logger).body, id: nil)))
            }
            try await writer.finish(nil)
        })
    }

    static func frame(_ name: String, _ value: some Encodable, id: String?) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        let json = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Data(((id.map { "id: \($0)\n" } ?? "") + "event: \(name)\ndata: ").utf8) + json + Data("\n\n".utf8)
    }
}
