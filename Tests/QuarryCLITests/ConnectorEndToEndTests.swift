import Foundation
import QuarryTestSupport
import Testing

/// The connectors on the binary users run, against the SaaS stand-in: the action test endpoint,
/// a workflow that posts, a worker killed with -9 mid-send, and no secret anywhere it should not be.
@Suite("connectors end to end", .serialized)
struct ConnectorEndToEndTests {
    typealias Steps = WorkflowRunEndToEndTests

    static func slackCredential(_ server: ServeProcess, _ admin: String, _ standIn: SaaSStandIn, token: String? = nil) throws -> String {
        let body = #"{"type": "slack", "name": "bot", "fields": {"bot_token": "\#(token ?? standIn.value("slack.bot_token"))", "base_url": "\#(standIn.value("slack.api_base_url"))"}}"#
        let created = try server.post("/api/v1/credentials", token: admin, body: body)
        #expect(created.status == 201, "\(created.body)")
        return try #require(try Steps.object(created.body)["id"] as? String)
    }

    @Test("quarry serve: POST /api/v1/actions/slack/test posts and shows Slack's answer (502 with Slack's words for a bad token, 422 for a bad config, 403 for a viewer, 404 for no such action); a workflow posts; the bot token is nowhere in the data directory, the log or any answer")
    func actionsAndSecrets() async throws {
        let standIn = try SaaSStandIn()
        defer { standIn.stop() }
        let data = ServeCommandTests.temporaryData()
        let server = try ServeProcess(data: data, environment: ["QUARRY_OUTBOUND_CA_FILE": standIn.caFile, "QUARRY_ALLOW_PRIVATE_URLS": "true"])
        defer { _ = server.terminate() }
        let admin = try #require(server.firstAdminToken)
        let bot = try Self.slackCredential(server, admin, standIn)
        let stale = try Self.slackCredential(server, admin, standIn, token: "xoxb-revoked-4242")
        var answers: [String] = []

        let sent = try server.post("/api/v1/actions/slack/test", token: admin, body: #"{"config": {"credential": "\#(bot)", "channel": "quarry-ops", "text": "checking the bot"}}"#)
        answers.append(sent.body)
        #expect(sent.status == 200, "\(sent.body)")
        let output = try Steps.object(sent.body)["output"] as? [String: Any]
        #expect((output?["ts"] as? String)?.isEmpty == false && output?["via"] as? String == "bot", "\(sent.body)")
        #expect(try standIn.delivered("slack_messages").count == 1)

        let refused = try server.post("/api/v1/actions/slack/test", token: admin, body: #"{"config": {"credential": "\#(stale)", "channel": "quarry-ops", "text": "x"}}"#)
        answers.append(refused.body)
        #expect(refused.status == 502 && refused.body.contains("invalid_auth") && refused.body.contains("action_failed"), "\(refused.body)")
        let incomplete = try server.post("/api/v1/actions/slack/test", token: admin, body: #"{"config": {"credential": "\#(bot)", "channel": "quarry-ops"}}"#)
        #expect(incomplete.status == 422 && incomplete.body.contains("needs one of: text, blocks"), "\(incomplete.body)")
        let templated = try server.post("/api/v1/actions/slack/test", token: admin, body: #"{"config": {"credential": "\#(bot)", "channel": "{{ trigger.c }}", "text": "x"}}"#)
        let field = (try Steps.object(templated.body)["error"] as? [String: Any])?["field"] as? String
        #expect(templated.status == 422 && field == "/config/channel", "\(templated.body)")
        #expect(try server.post("/api/v1/actions/summarise/test", token: admin, body: #"{"config": {}}"#).status == 404)
        let minted = try server.post("/api/v1/tokens", token: admin, body: #"{"sub": "reader", "role": "viewer"}"#)
        let viewer = try #require(try Steps.object(minted.body)["token"] as? String)
        #expect(try server.post("/api/v1/actions/slack/test", token: viewer, body: #"{"config": {"credential": "\#(bot)", "channel": "quarry-ops", "text": "x"}}"#).status == 403)

        let workflow = #"""
            {"id": "tell-slack", "name": "Tell Slack", "nodes": [
              {"id": "start", "type": "trigger", "config": {}},
              {"id": "post", "type": "slack", "config": {"credential": "\#(bot)", "channel": "quarry-ops", "text": "Asked: {{ trigger.question }}"}}],
             "edges": [{"from": "start", "to": "post"}]}
            """#
        #expect(try server.post("/api/v1/workflows", token: admin, body: workflow).status == 201)
        let started = try server.post("/api/v1/workflows/tell-slack/run", token: admin, body: #"{"inputs": {"question": "high tide?"}}"#)
        let runID = try #require(try Steps.object(started.body)["id"] as? String)
        let run = try await Steps.poll(server, "/api/v1/runs/\(runID)", token: admin) { ["succeeded", "failed"].contains($0["status"] as? String ?? "") }
        #expect(run["status"] as? String == "succeeded", "\(run)")
        #expect(try standIn.delivered("slack_messages").compactMap(\.objectValue).contains { $0["text"]?.string == "Asked: high tide?" })
        answers += [try server.get("/api/v1/runs/\(runID)", token: admin).body, try server.get("/api/v1/runs/\(runID)/logs", token: admin).body,
                    try server.get("/api/v1/credentials/\(bot)", token: admin).body, try server.get("/api/v1/credentials", token: admin).body]

        // The secret went to Slack (the stand-in saw it) and nowhere else.
        let token = standIn.value("slack.bot_token")
        #expect(try standIn.requests("slack").contains { $0["headers"]?.objectValue?["authorization"]?.string == "Bearer \(token)" })
        let grep = try execute("/usr/bin/grep", ["-r", "-a", "-l", "-F", token, data])
        #expect(grep.status == 1 && grep.standardOutput.isEmpty, "the token is in: \(grep.standardOutput)")
        #expect(!server.log.contains(token) && !answers.joined().contains(token))
        #expect(!server.log.contains("xoxb-revoked-4242") && !answers.joined().contains("xoxb-revoked-4242"))
    }

    @Test("a worker killed with -9 while Slack holds its request: the message is posted once, and the node is failed as possibly sent, not posted again")
    func killedMidSend() async throws {
        let standIn = try SaaSStandIn()
        defer { standIn.stop() }
        let (redis, mongo) = (try RedisTestServer(), try MongoTestServer())
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        let environment = [
            "QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": redis.url, "QUARRY_REDIS_HEARTBEAT_TIMEOUT": "3",
            "QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": mongo.uri(), "QUARRY_CREDENTIAL_KEY_FILE": keys,
            "QUARRY_OUTBOUND_CA_FILE": standIn.caFile, "QUARRY_ALLOW_PRIVATE_URLS": "true",
        ]
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: environment)
        defer { _ = server.terminate() }
        let admin = try #require(server.firstAdminToken)
        let bot = try Self.slackCredential(server, admin, standIn)
        let workflow = #"""
            {"id": "once", "name": "Once", "nodes": [
              {"id": "start", "type": "trigger", "config": {}},
              {"id": "post", "type": "slack", "timeout_seconds": 60, "config": {"credential": "\#(bot)", "channel": "quarry-ops", "text": "only once"}}],
             "edges": [{"from": "start", "to": "post"}]}
            """#
        #expect(try server.post("/api/v1/workflows", token: admin, body: workflow).status == 201)
        try standIn.fault("slack", times: 1, delay: 8)

        var worker = try Steps.startWorker(environment, queues: "default,actions")
        defer { if worker.isRunning { kill(worker.processIdentifier, SIGKILL); worker.waitUntilExit() } }
        let started = try server.post("/api/v1/workflows/once/run", token: admin, body: #"{"inputs": {}}"#)
        let runID = try #require(try Steps.object(started.body)["id"] as? String)
        let deadline = Date().addingTimeInterval(90)
        while try standIn.arrived("slack") == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try standIn.arrived("slack") == 1 && standIn.requests("slack").isEmpty, "the request reached Slack, which holds it")
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()
        worker = try Steps.startWorker(environment, queues: "default,actions")

        let run = try await Steps.poll(server, "/api/v1/runs/\(runID)", token: admin, seconds: 120) { ["succeeded", "failed"].contains($0["status"] as? String ?? "") }
        let node = (run["nodes"] as? [[String: Any]])?.first { $0["id"] as? String == "post" }
        #expect(run["status"] as? String == "failed" && (node?["error"] as? String)?.hasPrefix("possibly sent: ") == true, "\(run)")
        try await Task.sleep(for: .seconds(9))  // past the stand-in's delay: the first request has been answered
        #expect(try standIn.delivered("slack_messages").count == 1, "posted once")
        #expect(try standIn.requests("slack").count == 1, "and asked once")
    }
}
