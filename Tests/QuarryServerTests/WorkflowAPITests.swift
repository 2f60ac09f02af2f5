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

    static func setup(llm: LLMAnswerer? = nil, indexRoot: IndexRoot? = nil) throws -> Setup {
        let engine = try DocumentAndQueryAPITests.engine(llm: llm, indexRoot: indexRoot)
        let workflows = engine.dependencies.workflows
        // As `quarry serve` has them: the ingest queue's worker runs documents' jobs and ingest nodes.
        var table = workflows.actors
        table[IngestPipeline.queueName, default: [:]].merge(engine.indexJobs.actors) { node, _ in node }
        let workers = table.map { JobWorker(queue: engine.worker.queue, queueName: $0.key, actors: $0.value) }
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

    @Test("the builder's layout is kept with each version and exported; places of nodes that are gone are dropped; a malformed place is a 400")
    func layout() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            let placed = #"{"id": "placed", "name": "Placed", "nodes": [{"id": "start", "type": "trigger"}, {"id": "say", "type": "transform", "config": {"value": 1}}], "edges": [{"from": "start", "to": "say"}], "layout": {"start": {"x": 0, "y": 40.5}, "say": {"x": 260, "y": 40.5}, "gone": {"x": 9, "y": 9}}}"#
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(placed)) { (response) throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let layout = try #require(try DocumentAndQueryAPITests.json(response.body)["layout"] as? [String: [String: Double]])
                #expect(layout == ["start": ["x": 0, "y": 40.5], "say": ["x": 260, "y": 40.5]])
            }
            let moved = placed.replacingOccurrences(of: #""say": {"x": 260"#, with: #""say": {"x": 300"#)
            try await client.execute(uri: "/api/v1/workflows/placed", method: .put, headers: headers, body: Self.json(moved)) { (response) throws in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/workflows/placed/versions/1", method: .get, headers: headers) { (response) throws in
                let layout = try #require(try DocumentAndQueryAPITests.json(response.body)["layout"] as? [String: [String: Double]])
                #expect(layout["say"] == ["x": 260, "y": 40.5], "version 1 keeps its own layout")
            }
            try await client.execute(uri: "/api/v1/workflows/placed", method: .get, headers: headers) { (response) throws in
                let layout = try #require(try DocumentAndQueryAPITests.json(response.body)["layout"] as? [String: [String: Double]])
                #expect(layout["say"] == ["x": 300, "y": 40.5])
            }
            for bad in [#""layout": {"say": {"x": 1}}"#, #""layout": {"say": {"x": 1, "y": 2, "z": 3}}"#, #""layout": {"say": [1, 2]}"#] {
                let body = #"{"id": "bad-layout", "name": "Bad", "nodes": [{"id": "say", "type": "transform", "config": {"value": 1}}], "# + bad + "}"
                try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(body)) { (response) throws in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
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
                 "/edges/0/branch", "only edges out of a node that chooses a branch"),
                (#"{"name": "c", "nodes": [{"id": "a", "type": "trigger", "config": {}, "retry": {"max_attempts": 0}}]}"#, "/nodes/0/retry/max_attempts", "between"),
                (#"{"name": "c", "nodes": [\#((0...500).map { #"{"id": "n\#($0)", "type": "trigger", "config": {}}"# }.joined(separator: ","))]}"#,
                 "/nodes", "at most 500 nodes, this one 501"),
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
            #expect(lines.first == "run started" && lines.count == 2 + 3 * 2 && lines.filter { $0 == "succeeded" }.count == 3, "\(lines)")
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
                ("/api/v1/runs/\(runID)/cancel", .post, nil), ("/api/v1/runs/\(runID)/rerun", .post, "{}"),
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
                #expect(types.map { $0["name"] as? String } == ["approval", "condition", "delay", "google_sheets", "http_request", "ingest", "llm", "map", "notion", "rag_query", "slack", "sub_workflow", "transform", "trigger", "twilio"])
                #expect(types.allSatisfy { $0["config_schema"] is [String: Any] && $0["queue"] is String })
            }
            for (uri, method) in [("/api/v1/workflows/tides/run", HTTPRequest.Method.post), ("/api/v1/workflows/tides", .delete), ("/api/v1/runs/\(runID)/cancel", .post),
                                 ("/api/v1/runs/\(runID)/rerun", .post)] {
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
    @Test("rerun: from the failed nodes on the pinned version (fails again, the rest kept) or on the latest (fixed); from the start; refusals")
    func rerun() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(Self.workflow)) { (response) throws in
                #expect(response.status == .created)
            }
            /// Starts a run (or a rerun) with `body` at `uri`, works it off, and returns it read back.
            func started(_ uri: String, _ body: String) async throws -> [String: Any] {
                let response = try await client.execute(uri: uri, method: .post, headers: headers, body: Self.json(body))
                #expect(response.status == .accepted, "\(uri): \(String(buffer: response.body))")
                let id = try #require(try DocumentAndQueryAPITests.json(response.body)["id"] as? String)
                try await setup.drain()
                return try DocumentAndQueryAPITests.json(try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: headers).body)
            }
            func states(_ run: [String: Any]) -> [String] {
                (run["nodes"] as? [[String: Any]] ?? []).map { "\($0["id"] ?? "")=\($0["status"] ?? "")\($0["reused"] as? Bool == true ? "*" : "")" }
            }
            // n = 4 takes the default branch, whose node reads a node that does not exist.
            let failed = try await started("/api/v1/workflows/tides/run", #"{"inputs": {"name": "Ada", "n": 4}}"#)
            let failedID = try #require(failed["id"] as? String)
            #expect(failed["status"] as? String == "failed" && states(failed) == ["start=succeeded", "shape=succeeded", "check=succeeded", "three=skipped", "other=failed"])

            let again = try await started("/api/v1/runs/\(failedID)/rerun", "{}")
            #expect(again["status"] as? String == "failed" && again["rerun_of"] as? String == failedID && again["workflow_version"] as? Int == 1)
            #expect(states(again) == ["start=succeeded*", "shape=succeeded*", "check=succeeded*", "three=skipped", "other=failed"], "\(states(again))")
            #expect((again["inputs"] as? [String: Any])?["n"] as? Int == 4, "the first run's inputs")

            // Fix the failing node in version 2; a rerun on the latest version runs it, and only it.
            let fixed = Self.workflow.replacingOccurrences(of: "{{ nodes.missing.value }}", with: "{{ nodes.shape.greeting }}")
            try await client.execute(uri: "/api/v1/workflows/tides", method: .put, headers: headers, body: Self.json(fixed)) { (response) throws in
                #expect(response.status == .ok)
            }
            let latest = try await started("/api/v1/runs/\(failedID)/rerun", #"{"from": "failed", "version": "latest"}"#)
            let latestID = try #require(latest["id"] as? String)
            #expect(latest["status"] as? String == "succeeded" && latest["workflow_version"] as? Int == 2, "\(latest)")
            #expect(states(latest) == ["start=succeeded*", "shape=succeeded*", "check=succeeded*", "three=skipped", "other=succeeded"], "\(states(latest))")
            #expect((latest["nodes"] as? [[String: Any]])?.last?["output"] as? String == "Hello, Ada")
            let log = try DocumentAndQueryAPITests.json(try await client.execute(uri: "/api/v1/runs/\(latestID)/logs", method: .get, headers: headers).body)
            let first = try #require((log["logs"] as? [[String: Any]])?.first)
            #expect((first["data"] as? [String: Any])?["rerun_of"] as? String == failedID)
            #expect((first["data"] as? [String: Any])?["reused"] as? [String] == ["check", "shape", "start"])

            let fresh = try await started("/api/v1/runs/\(latestID)/rerun", #"{"from": "start"}"#)
            #expect(fresh["status"] as? String == "succeeded" && !states(fresh).contains { $0.hasSuffix("*") }, "\(states(fresh))")

            // Refusals: nothing failed in a run that succeeded; a run not ended; unknown words.
            try await client.execute(uri: "/api/v1/runs/\(latestID)/rerun", method: .post, headers: headers, body: Self.json("{}")) { (response) throws in
                #expect(try response.status == .conflict && (Fixture.errorBody(response)).code == "run_state_conflict")
            }
            let queued = try await client.execute(uri: "/api/v1/workflows/tides/run", method: .post, headers: headers, body: Self.json("{}"))
            let queuedID = try #require(try DocumentAndQueryAPITests.json(queued.body)["id"] as? String)
            try await client.execute(uri: "/api/v1/runs/\(queuedID)/rerun", method: .post, headers: headers, body: Self.json(#"{"from": "start"}"#)) {
                (response) throws in
                #expect(try response.status == .conflict && (Fixture.errorBody(response)).message.contains("queued"))
            }
            for (body, field) in [(#"{"from": "middle"}"#, "/from"), (#"{"version": 2}"#, "/version"), (#"{"form": "start"}"#, "/form")] {
                try await client.execute(uri: "/api/v1/runs/\(failedID)/rerun", method: .post, headers: headers, body: Self.json(body)) { (response) throws in
                    #expect(try response.status == .badRequest && (Fixture.errorBody(response)).field == field, "\(body)")
                }
            }
        }
    }

    @Test("webhook: the secret URL starts a run with the body as the trigger's output, without a token; wrong, old or removed secrets are 404 like no workflow")
    func webhook() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let viewer = try await Fixture.token(authority, role: .viewer)
        let stranger = try await Fixture.token(authority, tenant: "globex", role: .admin)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(Self.workflow)) { (response) throws in
                #expect(response.status == .created)
            }
            for (token, status) in [(viewer, HTTPResponse.Status.forbidden), (stranger, .notFound)] {
                let response = try await client.execute(uri: "/api/v1/workflows/tides/hook", method: .post, headers: DocumentAndQueryAPITests.headers(token, json: true))
                #expect(response.status == status)
            }
            let made = try await client.execute(uri: "/api/v1/workflows/tides/hook", method: .post, headers: headers)
            #expect(made.status == .created)
            let url = try #require(try DocumentAndQueryAPITests.json(made.body)["url"] as? String)
            #expect(url.hasPrefix("/api/v1/hooks/tides/") && url.count > "/api/v1/hooks/tides/".count + 40, "\(url)")

            /// POSTs `body` to `uri` as a webhook sender does: no token.
            func hook(_ uri: String, _ body: String, type: String = "application/json", key: String? = nil) async throws -> TestResponse {
                var fields = HTTPFields()
                fields[.contentType] = type
                if let key { fields[HTTPField.Name("Idempotency-Key")!] = key }
                return try await client.execute(uri: uri, method: .post, headers: fields, body: Self.json(body))
            }
            func inputs(of response: TestResponse) async throws -> [String: Any] {
                #expect(response.status == .accepted, "\(String(buffer: response.body))")
                let id = try #require(try DocumentAndQueryAPITests.json(response.body)["run_id"] as? String)
                try await setup.drain()
                let run = try DocumentAndQueryAPITests.json(try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: headers).body)
                return run["inputs"] as? [String: Any] ?? ["status": run["status"] ?? ""]
            }
            let json = try await hook(url, #"{"name": "Ada", "n": 3}"#, key: "delivery-1")
            let runID = try DocumentAndQueryAPITests.json(json.body)["run_id"] as? String
            #expect(try await inputs(of: json)["name"] as? String == "Ada")
            let run = try DocumentAndQueryAPITests.json(try await client.execute(uri: "/api/v1/runs/\(runID ?? "")", method: .get, headers: headers).body)
            #expect(run["status"] as? String == "succeeded" && (run["nodes"] as? [[String: Any]])?[3]["output"] as? String == "three it is", "\(run)")
            let redelivered = try await hook(url, #"{"name": "Ada", "n": 3}"#, key: "delivery-1")
            #expect(try DocumentAndQueryAPITests.json(redelivered.body)["run_id"] as? String == runID, "a redelivery with its key starts nothing new")
            let form = try await inputs(of: try await hook(url, "From=%2B33612345678&Body=high+water%3F", type: "application/x-www-form-urlencoded"))
            #expect(form["From"] as? String == "+33612345678" && form["Body"] as? String == "high water?", "\(form)")
            #expect(try await inputs(of: try await hook(url, "tides at Brest", type: "text/plain; charset=utf-8"))["text"] as? String == "tides at Brest")
            #expect(try await hook(url, "\u{0}\u{1}", type: "application/octet-stream").status == .unsupportedMediaType)
            #expect(try await hook(url, "{not json").status == .badRequest)

            // Wrong secret, a workflow that does not exist: the same answer.
            let wrong = try await hook("/api/v1/hooks/tides/guessed", "{}")
            let unknown = try await hook("/api/v1/hooks/nothing/guessed", "{}")
            #expect(wrong.status == .notFound && unknown.status == .notFound)
            #expect(try Fixture.errorBody(wrong).code == Fixture.errorBody(unknown).code)
            #expect(try await hook(url.replacingOccurrences(of: "/tides/", with: "/other/"), "{}").status == .notFound, "the secret is this workflow's only")

            // A new URL replaces the old; a removed hook starts nothing.
            let remade = try await client.execute(uri: "/api/v1/workflows/tides/hook", method: .post, headers: headers)
            let newURL = try #require(try DocumentAndQueryAPITests.json(remade.body)["url"] as? String)
            #expect(newURL != url)
            #expect(try await hook(url, "{}").status == .notFound)
            #expect(try await hook(newURL, "{}").status == .accepted)
            #expect(try await client.execute(uri: "/api/v1/workflows/tides/hook", method: .delete, headers: headers).status == .noContent)
            #expect(try await hook(newURL, "{}").status == .notFound)
        }
    }

    @Test("ingest: text from the trigger is indexed before the question after it, which cites it; the same text again is unchanged; bad configs and fetches fail the node")
    func ingestThenAsk() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let setup = try Self.setup()
        let workflow = #"""
            {"id": "learn", "name": "Learn and ask", "nodes": [
              {"id": "start", "type": "trigger", "config": {}},
              {"id": "learn", "type": "ingest", "config": {"text": "{{ trigger.note }}", "filename": "harbour-note.txt"}},
              {"id": "ask", "type": "rag_query", "config": {"query": "{{ trigger.question }}", "top_k": 3, "document_ids": ["{{ nodes.learn.document_id }}"]}}],
             "edges": [{"from": "start", "to": "learn"}, {"from": "learn", "to": "ask"}]}
            """#
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(workflow)) { (response) throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
            }
            func run(_ inputs: String, workflow: String = "learn") async throws -> [String: Any] {
                let started = try await client.execute(uri: "/api/v1/workflows/\(workflow)/run", method: .post, headers: headers, body: Self.json(inputs))
                let id = try #require(try DocumentAndQueryAPITests.json(started.body)["id"] as? String)
                try await setup.drain()
                return try DocumentAndQueryAPITests.json(try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: headers).body)
            }
            let inputs = #"{"inputs": {"note": "The pilot boards inbound ships two miles off the breakwater.\n\nThe harbour office closes at noon on Sundays.", "question": "when does the harbour office close?"}}"#
            let first = try await run(inputs)
            #expect(first["status"] as? String == "succeeded", "\(first)")
            let nodes = try #require(first["nodes"] as? [[String: Any]])
            let learned = try #require(nodes[1]["output"] as? [String: Any])
            #expect(learned["status"] as? String == "indexed" && learned["unchanged"] as? Bool == false && (learned["chunks"] as? Int ?? 0) >= 1, "\(learned)")
            let document = try #require(learned["document_id"] as? String)
            let asked = try #require(nodes[2]["output"] as? [String: Any])
            let citations = try #require(asked["citations"] as? [[String: Any]])
            #expect(citations.first?["document_id"] as? String == document && (citations.first?["snippet"] as? String)?.contains("noon") == true, "\(asked)")
            try await client.execute(uri: "/api/v1/documents/\(document)", method: .get, headers: headers) { (response) throws in
                let body = try DocumentAndQueryAPITests.json(response.body)
                #expect(body["status"] as? String == "indexed" && (body["source"] as? [String: Any])?["filename"] as? String == "harbour-note.txt")
            }
            let again = try await run(inputs)
            #expect(((again["nodes"] as? [[String: Any]])?[1]["output"] as? [String: Any])?["unchanged"] as? Bool == true, "\(again)")

            // Both a URL and text: a config error, not retried. A URL that cannot be fetched: the fetch's reason.
            let broken = #"""
                {"id": "broken", "name": "broken", "nodes": [{"id": "both", "type": "ingest", "config": {"url": "https://example.org/a.pdf", "text": "a"},
                  "retry": {"max_attempts": 3}, "continue_on_error": true},
                 {"id": "fetch", "type": "ingest", "config": {"url": "https://example.org/tides.pdf"}, "continue_on_error": true}], "edges": []}
                """#
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(broken)) { (response) throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
            }
            let failed = try await run("{}", workflow: "broken")
            let states = try #require(failed["nodes"] as? [[String: Any]])
            #expect(states.map { $0["status"] as? String } == ["failed", "failed"], "\(failed)")
            #expect((states[0]["error"] as? String)?.contains("one of document_id, url, path and text") == true && states[0]["attempt"] as? Int == 1, "not retried")
            #expect((states[1]["error"] as? String)?.contains(NoNetwork.reason) == true, "\(states[1])")
        }
    }

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
            #expect(lines.count == 8, "run started, the trigger's line (it succeeds as the run starts), and two for each of the three other nodes that ran: \(events.map(\.data))")
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

extension WorkflowAPITests {
    static let refund = #"""
        {"id": "refund", "name": "Refund", "nodes": [
          {"id": "start", "type": "trigger", "config": {}},
          {"id": "ask", "type": "approval", "config": {"message": "Refund {{ trigger.amount }} EUR?"}},
          {"id": "pay", "type": "transform", "config": {"value": "paid {{ trigger.amount }}"}},
          {"id": "tell", "type": "transform", "config": {"value": "refused: {{ nodes.ask.comment }}"}}],
         "edges": [{"from": "start", "to": "ask"}, {"from": "ask", "to": "pay", "branch": "approved"}, {"from": "ask", "to": "tell", "branch": "rejected"}]}
        """#

    @Test("approval: the run waits at the node with no worker; an editor approves (not a viewer, not another tenant) and that branch runs; a rejection runs the other; deciding twice is 409")
    func approval() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let viewer = try await Fixture.token(authority, role: .viewer)
        let stranger = try await Fixture.token(authority, tenant: "globex", role: .admin)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(Self.refund)) { (response) throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
            }
            func start(_ amount: Int) async throws -> String {
                let started = try await client.execute(uri: "/api/v1/workflows/refund/run", method: .post, headers: headers,
                                                       body: Self.json(#"{"inputs": {"amount": \#(amount)}}"#))
                let id = try #require(try DocumentAndQueryAPITests.json(started.body)["id"] as? String)
                try await setup.drain()
                return id
            }
            func nodes(_ id: String) async throws -> (String?, [String: [String: Any]]) {
                let body = try DocumentAndQueryAPITests.json(try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: headers).body)
                let list = body["nodes"] as? [[String: Any]] ?? []
                return (body["status"] as? String, Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as? String ?? "", $0) }))
            }
            func decide(_ id: String, _ node: String, _ action: String, token: String = editor, body: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
                let response = try await client.execute(uri: "/api/v1/runs/\(id)/nodes/\(node)/\(action)", method: .post,
                                                        headers: DocumentAndQueryAPITests.headers(token, json: true), body: body.map(Self.json))
                return (response.status, (try? DocumentAndQueryAPITests.json(response.body)) ?? [:])
            }

            let first = try await start(40)
            var (status, states) = try await nodes(first)
            #expect(status == "running" && states["ask"]?["status"] as? String == "awaiting", "drained, and still waiting: \(states)")
            #expect((states["ask"]?["output"] as? [String: Any])?["message"] as? String == "Refund 40 EUR?")
            #expect(try await decide(first, "ask", "approve", token: viewer).0 == .forbidden)
            #expect(try await decide(first, "ask", "approve", token: stranger).0 == .notFound)
            #expect(try await decide(first, "nope", "approve").0 == .notFound)
            #expect(try await decide(first, "ask", "approve", body: #"{"note": "x"}"#).0 == .badRequest)
            let approved = try await decide(first, "ask", "approve", body: #"{"comment": "fine"}"#)
            #expect(approved.0 == .ok, "\(approved.1)")
            try await setup.drain()
            (status, states) = try await nodes(first)
            #expect(status == "succeeded" && states["pay"]?["output"] as? String == "paid 40" && states["tell"]?["status"] as? String == "skipped", "\(states)")
            let decided = states["ask"]?["output"] as? [String: Any] ?? [:]
            #expect(decided["approved"] as? Bool == true && decided["by"] as? String == "tester" && decided["comment"] as? String == "fine", "\(decided)")
            let again = try await decide(first, "ask", "reject")
            #expect(again.0 == .conflict && (again.1["error"] as? [String: Any])?["code"] as? String == "run_state_conflict", "\(again.1)")
            #expect(try await decide(first, "pay", "approve").0 == .conflict, "a node that never awaited")

            let second = try await start(900)
            #expect(try await decide(second, "ask", "reject", body: #"{"comment": "too much"}"#).0 == .ok)
            try await setup.drain()
            (status, states) = try await nodes(second)
            #expect(status == "succeeded" && states["tell"]?["output"] as? String == "refused: too much" && states["pay"]?["status"] as? String == "skipped", "\(states)")
            let logs = try DocumentAndQueryAPITests.json(try await client.execute(uri: "/api/v1/runs/\(second)/logs", method: .get, headers: headers).body)
            let messages = (logs["logs"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(messages.contains("awaits a decision: approve or reject") && messages.contains("rejected by tester"), "\(messages)")

            let third = try await start(5)
            try await client.execute(uri: "/api/v1/runs/\(third)/cancel", method: .post, headers: headers) { (response) throws in #expect(response.status == .ok) }
            #expect(try await decide(third, "ask", "approve").0 == .conflict, "a canceled run takes no decision")
        }
    }
}

extension WorkflowAPITests {
    @Test("ingest from a path inside index_root: indexed and citable; a path outside it, or a server without one, fails the node saying why")
    func ingestPath() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("notes"), withIntermediateDirectories: true)
        try "Ferry tickets are sold at the kiosk by gate four.".write(to: root.appendingPathComponent("notes/ferry.txt"), atomically: true, encoding: .utf8)
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-\(UUID().uuidString).txt")
        try "secret".write(to: outside, atomically: true, encoding: .utf8)
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let workflow = #"""
            {"id": "file", "name": "File", "nodes": [
              {"id": "start", "type": "trigger", "config": {}},
              {"id": "read", "type": "ingest", "config": {"path": "{{ trigger.path }}"}}],
             "edges": [{"from": "start", "to": "read"}]}
            """#
        for (rooted, path, expected) in [(true, "notes/ferry.txt", "indexed"), (true, outside.path, "outside the folder"),
                                         (true, "notes/../../" + outside.lastPathComponent, "outside the folder"), (false, "notes/ferry.txt", "set index_root")] {
            let setup = try Self.setup(indexRoot: rooted ? IndexRoot(root.path) : nil)
            let body = try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
                let headers = DocumentAndQueryAPITests.headers(editor, json: true)
                _ = try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(workflow))
                let started = try await client.execute(uri: "/api/v1/workflows/file/run", method: .post, headers: headers,
                                                       body: Self.json(#"{"inputs": {"path": "\#(path)"}}"#))
                let id = try #require(try DocumentAndQueryAPITests.json(started.body)["id"] as? String)
                try await setup.drain()
                return try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: headers).body
            }
            let run = try DocumentAndQueryAPITests.json(body)
            let read = (run["nodes"] as? [[String: Any]])?.first { $0["id"] as? String == "read" } ?? [:]
            if expected == "indexed" {
                let output = read["output"] as? [String: Any] ?? [:]
                #expect(run["status"] as? String == "succeeded" && output["status"] as? String == "indexed", "\(run)")
                #expect((output["source"] as? String)?.hasPrefix("file://") == true && (output["source"] as? String)?.hasSuffix("/notes/ferry.txt") == true, "\(output)")
            } else {
                #expect(run["status"] as? String == "failed" && (read["error"] as? String)?.contains(expected) == true && read["attempt"] as? Int == 1, "\(path): \(read)")
            }
        }
    }
}

extension WorkflowAPITests {
    @Test("ingest by document_id waits while an uploaded document is queued and ends once it is indexed; an unknown or failed document fails the node")
    func ingestUploaded() async throws {
        let setup = try Self.setup()
        let pipeline = setup.engine.pipeline
        let node = IngestNode(indexJobs: setup.engine.indexJobs)
        let workflow = Workflow(id: "w", tenant: "acme", name: "w", nodes: [.init(id: "wait", type: "ingest")], edges: [])
        func context(_ id: String) -> NodeContext {
            NodeContext(run: Run(id: "r", workflow: workflow), node: workflow.nodes[0], attempt: 1, config: ["document_id": .string(id)]) { _, _, _ in }
        }
        guard case .queued(let queued) = try await pipeline.submit(Data("The lighthouse is lit at dusk.".utf8), tenant: "acme", uri: "upload:lighthouse.txt",
                                                                   filename: "lighthouse.txt") else { throw CancellationError() }
        #expect(try await pipeline.document(queued.id, tenant: "acme").status == .queued)
        let waiting = Task { try await node.execute(context(queued.id)) }
        try await Task.sleep(for: .milliseconds(700))  // the node reads the status, finds it queued, and waits
        try await setup.drain()  // the document's own job, while the node waits for it
        let output = try await waiting.value.output
        guard case .object(let fields) = output else { throw CancellationError() }
        #expect(fields["document_id"] == .string(queued.id) && fields["status"] == .string("indexed"), "\(output)")

        await #expect(throws: PermanentNodeError.self) { try await node.execute(context("no-such-document")) }
        guard case .queued(let broken) = try await pipeline.submit(Data("%PDF-1.7 this is no PDF".utf8), tenant: "acme", uri: "upload:broken.pdf",
                                                                   filename: "broken.pdf") else { throw CancellationError() }
        try await setup.drain()
        do {
            _ = try await node.execute(context(broken.id))
            Issue.record("a failed document passed")
        } catch let error as PermanentNodeError {
            #expect(error.message.contains("failed"), "\(error)")
        }
    }
}

