import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryEngine
import QuarryHTTP
import QuarryServer
import QuarryTestSupport
import QuarryWorkflow
import Testing

/// `/api/v1/workflows`, `/api/v1/runs` and `/api/v1/node-types` on the embedded back ends, with
/// the engine's workers run by the test between calls.
@Suite("workflow API")
struct WorkflowAPITests {
    struct Setup {
        let engine: DocumentAndQueryAPITests.Engine
        let workers: [JobWorker]

        /// Runs queued work until none is left.
        func drain() async throws {
            var worked = true
            while worked {
                worked = false
                for worker in workers where try await worker.runOne() { worked = true }
            }
        }
    }

    static func setup() throws -> Setup {
        let engine = try DocumentAndQueryAPITests.engine()
        let workflows = engine.dependencies.workflows
        let workers = workflows.actors.map { JobWorker(queue: engine.worker.queue, queueName: $0.key, actors: $0.value) }
        return Setup(engine: engine, workers: workers)
    }

    static let workflow = #"""
        {"id": "tides", "name": "Tides", "nodes": [
          {"id": "start", "type": "trigger", "config": {}},
          {"id": "shape", "type": "transform", "config": {"value": {"greeting": "Hello, {{ trigger.name }}", "n": "{{ trigger.n }}"}}},
          {"id": "check", "type": "condition", "config": {"value": "{{ nodes.shape.n }}", "cases": [{"equals": 3, "branch": "three"}]}},
          {"id": "three", "type": "transform", "config": {"value": "three it is"}},
          {"id": "other", "type": "transform", "config": {"value": "{{ nodes.missing.value }}"}}],
         "edges": [{"from": "start", "to": "shape"}, {"from": "shape", "to": "check"},
                   {"from": "check", "to": "three", "branch": "three"}, {"from": "check", "to": "other", "branch": "default"}]}
        """#

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test("create, read, export and import, change into a new version, read old versions, delete")
    func lifecycle() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            var exported = ""
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(Self.workflow)) { (response) throws in
                #expect(response.status == .created && response.headers[.location] == "/api/v1/workflows/tides")
                let body = try DocumentAndQueryAPITests.json(response.body)
                #expect(body["version"] as? Int == 1 && (body["nodes"] as? [Any])?.count == 5 && body.keys.contains("schedule"))
            }
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(Self.workflow)) { (response) throws in
                #expect(try response.status == .conflict && (Fixture.errorBody(response)).code == "already_exists")
            }
            try await client.execute(uri: "/api/v1/workflows/tides", method: .get, headers: headers) { (response) throws in
                exported = String(buffer: response.body)
            }
            // Import: the exported body, under another id, as it is.
            let imported = exported.replacingOccurrences(of: #""id":"tides""#, with: #""id":"tides-copy""#)
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(imported)) { (response) throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let copy = try DocumentAndQueryAPITests.json(response.body)
                let original = try #require(try JSONSerialization.jsonObject(with: Data(exported.utf8)) as? [String: Any])
                func graph(_ body: [String: Any]) throws -> Data {
                    try JSONSerialization.data(withJSONObject: [body["nodes"] ?? [], body["edges"] ?? []], options: .sortedKeys)
                }
                #expect(try graph(copy) == graph(original), "the same nodes and edges")
            }
            let renamed = Self.workflow.replacingOccurrences(of: #""name": "Tides""#, with: #""name": "Tides v2", "version": 1"#)
            try await client.execute(uri: "/api/v1/workflows/tides", method: .put, headers: headers, body: Self.json(renamed)) { (response) throws in
                #expect(response.status == .ok)
                #expect(try DocumentAndQueryAPITests.json(response.body)["version"] as? Int == 2)
            }
            try await client.execute(uri: "/api/v1/workflows/tides", method: .put, headers: headers, body: Self.json(renamed)) { (response) throws in
                #expect(response.status == .conflict, "version 1 is no longer current")
                #expect(try Fixture.errorBody(response).field == "/version")
            }
            try await client.execute(uri: "/api/v1/workflows/tides/versions", method: .get, headers: headers) { (response) throws in
                let versions = try #require(try DocumentAndQueryAPITests.json(response.body)["versions"] as? [[String: Any]])
                #expect(versions.map { $0["version"] as? Int } == [2, 1] && versions.map { $0["name"] as? String } == ["Tides v2", "Tides"])
            }
            try await client.execute(uri: "/api/v1/workflows/tides/versions/1", method: .get, headers: headers) { (response) throws in
                #expect(try DocumentAndQueryAPITests.json(response.body)["name"] as? String == "Tides")
            }
            for missing in ["/api/v1/workflows/tides/versions/3", "/api/v1/workflows/tides/versions/x", "/api/v1/workflows/nope"] {
                try await client.execute(uri: missing, method: .get, headers: headers) { (response) throws in #expect(response.status == .notFound, "\(missing)") }
            }
            try await client.execute(uri: "/api/v1/workflows?limit=1", method: .get, headers: headers) { (response) throws in
                #expect(try (DocumentAndQueryAPITests.json(response.body)["workflows"] as? [Any])?.count == 1)
            }
            try await client.execute(uri: "/api/v1/workflows/tides", method: .delete, headers: headers) { (response) throws in #expect(response.status == .noContent) }
            try await client.execute(uri: "/api/v1/workflows/tides", method: .delete, headers: headers) { (response) throws in #expect(response.status == .notFound) }
        }
    }

    @Test("bad graphs and configs: 422 pointing at the node and field; a body over the limit: 413")
    func refusals() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        try await DocumentAndQueryAPITests.application(authority, try Self.setup().engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            let cases: [(String, String, String)] = [
                (#"{"name": "c", "nodes": [{"id": "a", "type": "transform", "config": {"value": 1}}, {"id": "b", "type": "transform", "config": {"value": 1}}], "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}]}"#,
                 "/edges", "cycle"),
                (#"{"name": "c", "nodes": [{"id": "a", "type": "slack_post", "config": {}}]}"#, "/nodes/0/type", "no node type 'slack_post'"),
                (#"{"name": "c", "nodes": [{"id": "a", "type": "rag_query", "config": {"query": "tides", "top_k": 0}}]}"#, "/nodes/0/config/top_k", "at least 1"),
                (#"{"name": "c", "nodes": [{"id": "a", "type": "rag_query", "config": {"question": "tides"}}]}"#, "/nodes/0/config/query", "required"),
                (#"{"name": "c", "nodes": [{"id": "a b", "type": "trigger", "config": {}}]}"#, "/nodes/0/id", "node id"),
                (#"{"name": "c", "nodes": [{"id": "a", "type": "trigger", "config": {}}, {"id": "b", "type": "transform", "config": {"value": 1}}], "edges": [{"from": "a", "to": "b", "branch": "yes"}]}"#,
                 "/edges/0/branch", "only edges out of a condition"),
                (#"{"name": "c", "nodes": [{"id": "a", "type": "trigger", "config": {}, "retry": {"max_attempts": 0}}]}"#, "/nodes/0/retry/max_attempts", "between"),
                (#"{"name": "c", "schedule": "61 * * * *", "nodes": [{"id": "a", "type": "trigger", "config": {}}]}"#, "/schedule", "minute"),
            ]
            for (body, field, words) in cases {
                try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(body)) { (response) throws in
                    #expect(response.status == .unprocessableContent, "\(body)")
                    let error = try Fixture.errorBody(response)
                    #expect(error.field == field && error.message.contains(words), "\(body): \(error)")
                }
            }
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers,
                                     body: Self.json(#"{"name": "c", "nodes": [{"id": "a", "type": "trigger", "config": {}, "extra": 1}]}"#)) { (response) throws in
                #expect(try response.status == .badRequest && (Fixture.errorBody(response)).field == "/nodes/0/extra")
            }
            let huge = #"{"name": "c", "nodes": [{"id": "a", "type": "transform", "config": {"value": ""# + String(repeating: "x", count: 1_100_000) + #""}}]}"#
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(huge)) { (response) throws in
                #expect(response.status == .contentTooLarge)
            }
        }
    }

    @Test("the six steps: run (202, idempotent by key) → run_start → nodes → succeeded; follow the run and page its log; skipped branches; cancel an ended run: 409")
    func runs() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            var headers = DocumentAndQueryAPITests.headers(editor, json: true)
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(Self.workflow)) { (response) throws in
                #expect(response.status == .created)
            }
            headers[HTTPField.Name("Idempotency-Key")!] = "order-17"
            var runID = ""
            for _ in 0..<2 {
                try await client.execute(uri: "/api/v1/workflows/tides/run", method: .post, headers: headers,
                                         body: Self.json(#"{"inputs": {"name": "Ada", "n": 3}}"#)) { (response) throws in
                    #expect(response.status == .accepted)
                    let body = try DocumentAndQueryAPITests.json(response.body)
                    #expect(body["status"] as? String == "queued" && response.headers[.location] == body["status_url"] as? String)
                    if runID.isEmpty { runID = try #require(body["id"] as? String) }
                    #expect(body["id"] as? String == runID, "the same key: the same run")
                }
            }
            try await setup.drain()
            try await client.execute(uri: "/api/v1/runs/\(runID)", method: .get, headers: headers) { (response) throws in
                let body = try DocumentAndQueryAPITests.json(response.body)
                #expect(body["status"] as? String == "succeeded" && body["workflow_version"] as? Int == 1, "\(body)")
                let nodes = try #require(body["nodes"] as? [[String: Any]])
                #expect(nodes.map { $0["id"] as? String } == ["start", "shape", "check", "three", "other"])
                #expect(nodes.map { $0["status"] as? String } == ["succeeded", "succeeded", "succeeded", "succeeded", "skipped"])
                #expect((nodes[1]["output"] as? [String: Any])?["greeting"] as? String == "Hello, Ada")
                #expect(nodes[2]["branch"] as? String == "three" && nodes[3]["output"] as? String == "three it is")
                #expect(nodes[0]["duration_ms"] is Double && nodes[4]["attempt"] as? Int == 0)
            }
            try await client.execute(uri: "/api/v1/runs?workflow_id=tides&status=succeeded", method: .get, headers: headers) { (response) throws in
                let runs = try #require(try DocumentAndQueryAPITests.json(response.body)["runs"] as? [[String: Any]])
                #expect(runs.map { $0["id"] as? String } == [runID] && runs[0]["nodes"] == nil)
            }
            try await client.execute(uri: "/api/v1/runs?status=sleeping", method: .get, headers: headers) { (response) throws in
                #expect(try response.status == .badRequest && (Fixture.errorBody(response)).field == "status")
            }
            // The log, two lines at a time, by cursor, to its end.
            var lines: [String] = []
            var after: String?
            while true {
                let uri = "/api/v1/runs/\(runID)/logs?limit=2" + (after.map { "&after=\($0)" } ?? "")
                let page = try await client.execute(uri: uri, method: .get, headers: headers)
                let body = try DocumentAndQueryAPITests.json(page.body)
                let logs = try #require(body["logs"] as? [[String: Any]])
                if logs.isEmpty { break }
                lines += logs.compactMap { $0["message"] as? String }
                after = body["next_after"] as? String
            }
            #expect(lines.first == "run started" && lines.count == 1 + 4 * 2 && lines.filter { $0 == "succeeded" }.count == 3, "\(lines)")
            try await client.execute(uri: "/api/v1/runs/\(runID)/cancel", method: .post, headers: headers) { (response) throws in
                #expect(try response.status == .conflict && (Fixture.errorBody(response)).code == "run_state_conflict")
            }
        }
    }

    @Test("another tenant's workflow, run and log are not found; a viewer reads but cannot write or run")
    func isolationAndRoles() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let stranger = try await Fixture.token(authority, tenant: "globex", role: .admin)
        let viewer = try await Fixture.token(authority, role: .viewer)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(Self.workflow)) { (response) throws in
                #expect(response.status == .created)
            }
            let run = try await client.execute(uri: "/api/v1/workflows/tides/run", method: .post, headers: headers, body: Self.json("{}"))
            let runID = try #require(try DocumentAndQueryAPITests.json(run.body)["id"] as? String)
            let other = DocumentAndQueryAPITests.headers(stranger, json: true)
            let calls: [(String, HTTPRequest.Method, String?)] = [
                ("/api/v1/workflows/tides", .get, nil), ("/api/v1/workflows/tides", .put, Self.workflow), ("/api/v1/workflows/tides", .delete, nil),
                ("/api/v1/workflows/tides/versions", .get, nil), ("/api/v1/workflows/tides/versions/1", .get, nil),
                ("/api/v1/workflows/tides/run", .post, "{}"), ("/api/v1/runs/\(runID)", .get, nil), ("/api/v1/runs/\(runID)/logs", .get, nil),
                ("/api/v1/runs/\(runID)/cancel", .post, nil),
            ]
            for (uri, method, body) in calls {
                try await client.execute(uri: uri, method: method, headers: other, body: body.map(Self.json)) { (response) throws in
                    #expect(response.status == .notFound, "\(method) \(uri)")
                }
            }
            try await client.execute(uri: "/api/v1/runs", method: .get, headers: other) { (response) throws in
                #expect(try (DocumentAndQueryAPITests.json(response.body)["runs"] as? [Any])?.isEmpty == true)
            }
            let reader = DocumentAndQueryAPITests.headers(viewer, json: true)
            try await client.execute(uri: "/api/v1/workflows/tides", method: .get, headers: reader) { (response) throws in #expect(response.status == .ok) }
            try await client.execute(uri: "/api/v1/node-types", method: .get, headers: reader) { (response) throws in
                let types = try #require(try DocumentAndQueryAPITests.json(response.body)["node_types"] as? [[String: Any]])
                #expect(types.map { $0["name"] as? String } == ["condition", "http_request", "rag_query", "transform", "trigger"])
                #expect(types.allSatisfy { $0["config_schema"] is [String: Any] && $0["queue"] is String })
            }
            for (uri, method) in [("/api/v1/workflows/tides/run", HTTPRequest.Method.post), ("/api/v1/workflows/tides", .delete), ("/api/v1/runs/\(runID)/cancel", .post)] {
                try await client.execute(uri: uri, method: method, headers: reader, body: Self.json("{}")) { (response) throws in
                    #expect(response.status == .forbidden, "\(method) \(uri)")
                }
            }
            // The run is still the editor's to cancel: it has not started (no worker ran).
            try await client.execute(uri: "/api/v1/runs/\(runID)/cancel", method: .post, headers: headers) { (response) throws in
                #expect(try response.status == .ok && (DocumentAndQueryAPITests.json(response.body)["status"] as? String) == "canceled")
            }
            try await setup.drain()
            try await client.execute(uri: "/api/v1/runs/\(runID)", method: .get, headers: headers) { (response) throws in
                let body = try DocumentAndQueryAPITests.json(response.body)
                #expect(body["status"] as? String == "canceled")
                #expect((body["nodes"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "canceled" } == true, "run_start found it canceled")
            }
        }
    }
}

extension WorkflowAPITests {
    @Test("the log as a live stream: every line as an event with its id, then end with the status; Last-Event-ID reads on")
    func logStream() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            _ = try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(Self.workflow))
            let started = try await client.execute(uri: "/api/v1/workflows/tides/run", method: .post, headers: headers,
                                                   body: Self.json(#"{"inputs": {"name": "Ada", "n": 4}}"#))
            let runID = try #require(try DocumentAndQueryAPITests.json(started.body)["id"] as? String)
            try await setup.drain()
            var stream = headers
            stream[.accept] = "text/event-stream"
            let response = try await client.execute(uri: "/api/v1/runs/\(runID)/logs", method: .get, headers: stream)
            #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
            var reader = ServerSentEventReader()
            let events = reader.feed(Data(buffer: response.body))
            // n = 4 takes the `default` branch, whose node names a missing output: the run fails there.
            #expect(events.last?.name == "end" && events.last?.data == #"{"status":"failed"}"#)
            let lines = events.filter { $0.name == "log" }
            #expect(lines.count == 9, "run started, and two lines for each of the four nodes that ran: \(events.map(\.data))")
            #expect(lines.last?.data.contains("template {{ nodes.missing.value }}") == true)
            let third = try #require(try JSONSerialization.jsonObject(with: Data(lines[2].data.utf8)) as? [String: Any])
            var resume = stream
            resume[HTTPField.Name("Last-Event-ID")!] = try #require(third["id"] as? String)
            let rest = try await client.execute(uri: "/api/v1/runs/\(runID)/logs", method: .get, headers: resume)
            var again = ServerSentEventReader()
            #expect(again.feed(Data(buffer: rest.body)).filter { $0.name == "log" }.map(\.data) == lines.dropFirst(3).map(\.data))
            try await client.execute(uri: "/api/v1/runs/nope/logs", method: .get, headers: stream) { (response) throws in
                #expect(response.status == .notFound, "an unknown run is a 404 before any stream opens")
            }
        }
    }
}
