import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryHTTP
import QuarryTestSupport
import QuarryWorkflow
import Synchronization
import Testing

/// The connectors in workflows, against the SaaS stand-in (held to the providers' own SDKs by
/// `check_saas_standin.py`, the first test here): what each sends, what it makes of each answer,
/// and the delivery rules (Retry-After, retries, failing once, never posting twice).
@Suite("connectors", .serialized)
struct ConnectorTests {
    typealias Deployment = WorkflowEngineTests.Deployment

    @Test("the stand-in is held to the official SDKs: slack-sdk, twilio, notion-client and google-api-python-client succeed against it and its checks refuse what the services refuse")
    func standInMatchesSDKs() async throws {
        let result = try await offPool { try execute(Venv.python, [repositoryRoot.path + "/scripts/testservers/check_saas_standin.py"], timeLimit: 300) }
        let last = result.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        #expect(result.status == 0 && last.hasSuffix(" 0 failed"), "\(result.standardOutput.suffix(3000))\n\(result.standardError.suffix(2000))")
    }

    /// The stand-in's credentials of the tenant `acme`, by type.
    struct Keys {
        let slack, hook, twilio, notion, google: String
    }

    static func credentials(_ setup: WorkflowEngineTests.Setup, _ standIn: SaaSStandIn) async throws -> Keys {
        let keyJSON = try String(contentsOfFile: standIn.value("google.service_account_file"), encoding: .utf8)
        func create(_ type: String, _ fields: [String: String]) async throws -> String {
            try await setup.credentials.create(type: type, name: type, fields: fields, tenant: "acme").id
        }
        return Keys(
            slack: try await create("slack", ["bot_token": standIn.value("slack.bot_token"), "base_url": standIn.value("slack.api_base_url")]),
            hook: try await create("slack", ["webhook_url": standIn.value("slack.webhook_url")]),
            twilio: try await create("twilio", ["account_sid": standIn.value("twilio.account_sid"), "auth_token": standIn.value("twilio.auth_token"),
                                                "from": "+15550100", "base_url": standIn.value("twilio.base_url")]),
            notion: try await create("notion", ["token": standIn.value("notion.token"), "base_url": standIn.value("notion.base_url")]),
            google: try await create("google_service_account", ["key_json": keyJSON, "token_url": standIn.value("google.token_uri"),
                                                                "base_url": standIn.value("google.sheets_base_url")])
        )
    }

    static func run(_ setup: WorkflowEngineTests.Setup, _ nodes: [Workflow.Node], inputs: JSONValue = .object([:])) async throws -> Run {
        let workflow = Workflow(id: "wf-\(UUID().uuidString.prefix(8))", tenant: "acme", name: "connectors", nodes: [.init(id: "start", type: "trigger")] + nodes,
                                edges: nodes.map { .init(from: "start", to: $0.id) })
        try setup.engine.check(workflow)
        #expect(try await setup.store.createWorkflow(workflow))
        return await setup.finished(try await setup.engine.start(workflow, inputs: inputs))
    }

    @Test("each connector delivers what it was asked: Slack text, blocks, a thread reply and a webhook post; Twilio SMS and WhatsApp; a Notion page with content, then blocks appended; rows appended to a Sheet with one token exchange",
          arguments: Deployment.allCases)
    func delivers(deployment: Deployment) async throws {
        let standIn = try SaaSStandIn()
        defer { standIn.stop() }
        let setup = try WorkflowEngineTests.setup(deployment, caFile: standIn.caFile)
        let keys = try await Self.credentials(setup, standIn)
        let blocks: JSONValue = .array([.object(["type": .string("section"), "text": .object(["type": .string("mrkdwn"), "text": .string("*{{ trigger.question }}*")])])])
        let run = try await Self.run(setup, [
            .init(id: "post", type: "slack", config: ["credential": .string(keys.slack), "channel": .string("#research"), "text": .string("Q: {{ trigger.question }}")]),
            .init(id: "rich", type: "slack", config: ["credential": .string(keys.slack), "channel": .string("C0123"), "text": .string("fallback"), "blocks": blocks]),
            .init(id: "hook", type: "slack", config: ["credential": .string(keys.hook), "text": .string("through the webhook")]),
            .init(id: "sms", type: "twilio", config: ["credential": .string(keys.twilio), "to": .string("+33612345678"), "body": .string("Q: {{ trigger.question }}"),
                                                       "status_callback": .string("https://example.org/status")]),
            .init(id: "whatsapp", type: "twilio", config: ["credential": .string(keys.twilio), "to": .string("+33612345678"), "channel": .string("whatsapp"),
                                                            "body": .string("hello")]),
            .init(id: "page", type: "notion", config: ["credential": .string(keys.notion), "database_id": .string(standIn.value("notion.database_id")),
                                                        "title": .string("{{ trigger.question }}"), "content": .string("First part.\n\nSecond part."),
                                                        "properties": .object(["Score": .object(["number": .double(0.5)])])]),
            .init(id: "sheet", type: "google_sheets", config: ["credential": .string(keys.google), "spreadsheet_id": .string(standIn.value("google.spreadsheet_id")),
                                                                "range": .string("Sheet1!A:C"), "row": .array([.string("{{ trigger.question }}"), .int(42), .bool(true)])]),
            .init(id: "sheet2", type: "google_sheets", config: ["credential": .string(keys.google), "spreadsheet_id": .string(standIn.value("google.spreadsheet_id")),
                                                                 "range": .string("Sheet2"), "values": .array([.array([.string("a")]), .array([.string("b")])])]),
        ], inputs: .object(["question": .string("What is the tide at Brest?")]))
        #expect(run.status == .succeeded, "\(run.nodes.mapValues { $0.error ?? "" })")

        let slack = try standIn.delivered("slack_messages").compactMap(\.objectValue)
        #expect(slack.count == 2)
        #expect(slack.contains { $0["channel"] == .string("#research") && $0["text"] == .string("Q: What is the tide at Brest?") })
        #expect(slack.contains { "\($0["blocks"] ?? .null)".contains("*What is the tide at Brest?*") })
        #expect(run.nodes["post"]?.output?.objectValue?["ts"]?.string?.isEmpty == false, "the message's ts is the output, to reply in its thread")
        #expect(try standIn.delivered("slack_webhooks").count == 1)

        let texts = try standIn.delivered("twilio_messages").compactMap(\.objectValue)
        #expect(texts.count == 2)
        #expect(texts.contains { $0["to"] == .string("+33612345678") && $0["status_callback"] == .string("https://example.org/status") })
        #expect(texts.contains { $0["to"] == .string("whatsapp:+33612345678") && $0["from"] == .string("whatsapp:+15550100") })
        #expect(texts.allSatisfy { $0["idempotency_token"]?.string?.hasPrefix(run.id + ":") == true }, "every message carries its run and node")
        #expect(run.nodes["sms"]?.output?.objectValue?["sid"]?.string?.hasPrefix("SM") == true)

        let pages = try standIn.delivered("notion_pages").compactMap(\.objectValue)
        #expect(pages.count == 1 && "\(pages.first?["properties"] ?? .null)".contains("What is the tide at Brest?"))
        #expect(pages.first?["children"]?.arrayValue?.count == 2, "two paragraphs")
        let requests = try standIn.requests("notion")
        #expect(requests.allSatisfy { $0["headers"]?.objectValue?["notion-version"] == .string(NotionNode.version) })

        let sheets = try standIn.delivered("sheets_appends").compactMap(\.objectValue)
        #expect(sheets.count == 2)
        #expect(sheets.contains { $0["values"] == .array([.array([.string("What is the tide at Brest?"), .int(42), .bool(true)])]) })
        #expect(try standIn.requests("google_token").count == 1, "the access token is kept for the second append")

        // Follow up in the thread of the first post: append blocks to the page made.
        let thread = try #require(run.nodes["post"]?.output?.objectValue?["ts"]?.string)
        let page = try #require(run.nodes["page"]?.output?.objectValue?["id"]?.string)
        let next = try await Self.run(setup, [
            .init(id: "reply", type: "slack", config: ["credential": .string(keys.slack), "channel": .string("#research"), "text": .string("details"),
                                                        "thread_ts": .string(thread)]),
            .init(id: "more", type: "notion", config: ["credential": .string(keys.notion), "action": .string("append_blocks"), "block_id": .string(page),
                                                        "content": .string("Appended.")]),
        ])
        #expect(next.status == .succeeded, "\(next.nodes.mapValues { $0.error ?? "" })")
        #expect(try standIn.delivered("slack_messages").compactMap(\.objectValue).contains { $0["thread_ts"] == .string(thread) })
        #expect(try standIn.delivered("notion_blocks").count == 1)
        #expect(next.nodes["more"]?.output?.objectValue?["block_ids"]?.arrayValue?.count == 1)
    }

    @Test("delivery rules: a 429 waits its Retry-After exactly, 5xx is tried again, a bad token fails once with the provider's words, an untrusted CA sends nothing")
    func deliveryRules() async throws {
        let standIn = try SaaSStandIn()
        defer { standIn.stop() }
        let setup = try WorkflowEngineTests.setup(.embedded, caFile: standIn.caFile)
        let keys = try await Self.credentials(setup, standIn)
        let wrong = try await setup.credentials.create(type: "slack", name: "stale", fields: ["bot_token": "xoxb-revoked-0000",
                                                                                              "base_url": standIn.value("slack.api_base_url")], tenant: "acme")
        let wrongTwilio = try await setup.credentials.create(type: "twilio", name: "stale", fields: [
            "account_sid": standIn.value("twilio.account_sid"), "auth_token": "not-the-token", "from": "+15550100", "base_url": standIn.value("twilio.base_url")],
            tenant: "acme")

        try standIn.fault("slack", status: 429, retryAfter: 2)
        let limited = try await Self.run(setup, [.init(id: "post", type: "slack", config: ["credential": .string(keys.slack), "channel": .string("#a"), "text": .string("hi")])])
        #expect(limited.status == .succeeded && limited.nodes["post"]?.attempt == 2, "\(limited.nodes["post"].map { "\($0)" } ?? "")")
        let tries = try standIn.requests("slack").compactMap { $0["time"]?.number }
        #expect(tries.count == 2)
        if tries.count == 2 { #expect(tries[1] - tries[0] >= 2.0, "the second try came \(tries[1] - tries[0]) s after the 429, not sooner than the 2 s asked") }

        try standIn.fault("twilio", status: 500, times: 2)
        let flaky = try await Self.run(setup, [.init(id: "sms", type: "twilio", config: ["credential": .string(keys.twilio), "to": .string("+15550111"), "body": .string("x")],
                                                     retry: .init(maxAttempts: 3, backoffSeconds: 0.1))])
        #expect(flaky.status == .succeeded && flaky.nodes["sms"]?.attempt == 3)

        let denied = try await Self.run(setup, [
            .init(id: "slack", type: "slack", config: ["credential": .string(wrong.id), "channel": .string("#a"), "text": .string("x")], continueOnError: true),
            .init(id: "twilio", type: "twilio", config: ["credential": .string(wrongTwilio.id), "to": .string("+15550111"), "body": .string("x")], continueOnError: true),
        ])
        #expect(denied.nodes["slack"]?.status == .failed && denied.nodes["slack"]?.attempt == 1)
        #expect(denied.nodes["slack"]?.error == "Slack chat.postMessage: invalid_auth")
        #expect(denied.nodes["twilio"]?.status == .failed && denied.nodes["twilio"]?.attempt == 1)
        #expect(denied.nodes["twilio"]?.error?.contains("answered 401: Authenticate (error 20003)") == true, "\(denied.nodes["twilio"]?.error ?? "")")
        #expect(!"\(denied)".contains("xoxb-revoked-0000") && !"\(denied)".contains("not-the-token"))

        let before = try standIn.requests().count
        let untrusting = SlackNode(http: GuardedHTTP(urlGuard: URLGuard(allowPrivate: true)), credentials: setup.credentials, ledger: nil)
        let context = NodeContext(run: denied, node: .init(id: "x", type: "slack"), attempt: 1,
                                  config: ["credential": .string(keys.slack), "channel": .string("#a"), "text": .string("x")]) { _, _, _ in }
        await #expect(throws: (any Error).self) { try await untrusting.execute(context) }
        #expect(try standIn.requests().count == before, "a server whose certificate is not trusted is sent nothing")
    }

    @Test("no double sends: an answer that never came leaves Slack's node possibly sent (posted once); Twilio's retry carries the same idempotency token (sent once); a completed send is not sent again",
          arguments: Deployment.allCases)
    func noDoubleSends(deployment: Deployment) async throws {
        let standIn = try SaaSStandIn()
        defer { standIn.stop() }
        let setup = try WorkflowEngineTests.setup(deployment, caFile: standIn.caFile)
        let keys = try await Self.credentials(setup, standIn)
        try standIn.fault("slack", times: 1, delay: 2.5)
        try standIn.fault("twilio", times: 1, delay: 2.5)
        let run = try await Self.run(setup, [
            .init(id: "post", type: "slack", config: ["credential": .string(keys.slack), "channel": .string("#a"), "text": .string("once")],
                  retry: .init(maxAttempts: 3, backoffSeconds: 0.1), timeoutSeconds: 1, continueOnError: true),
            .init(id: "sms", type: "twilio", config: ["credential": .string(keys.twilio), "to": .string("+15550111"), "body": .string("once")],
                  retry: .init(maxAttempts: 3, backoffSeconds: 3), timeoutSeconds: 1),
        ])
        try await Task.sleep(for: .seconds(2))  // the delayed requests finish at the stand-in
        // The first attempt that reads the ledger within its one second fails the node: the second,
        // or on a loaded machine (MongoDB's reads slowed past the timeout) a later one.
        #expect(run.nodes["post"]?.status == .failed && (run.nodes["post"]?.attempt ?? 0) >= 2, "\(run.nodes["post"].map { "\($0)" } ?? "")")
        #expect(run.nodes["post"]?.error?.hasPrefix("possibly sent: an attempt began sending to Slack at ") == true, "\(run.nodes["post"]?.error ?? "")")
        #expect(try standIn.delivered("slack_messages").count == 1, "posted once, by the attempt whose answer never came")
        // The second attempt succeeds, or on a loaded machine one that also outlived its second: every
        // attempt sends the same token, so however many came, Twilio sent one message.
        let sms = try #require(run.nodes["sms"])
        #expect(sms.status == .succeeded && sms.attempt >= 2, "\(sms)")
        #expect(try standIn.delivered("twilio_messages").count == 1, "Twilio dropped the retry by its idempotency token")
        let sends = try standIn.requests("twilio")
        #expect(sends.count == sms.attempt, "one request per attempt")
        let tokens = sends.map { request in
            request["headers"]?.objectValue?.first { $0.key.lowercased() == "i-twilio-idempotency-token" }?.value.string ?? ""
        }
        #expect(Set(tokens).count == 1 && tokens.first?.isEmpty == false, "every attempt carries the node's one token: \(tokens)")
        #expect(sends.dropFirst().allSatisfy { $0["replay"] == .bool(true) }, "the retries are answered from the first send")

        // A node whose send completed and whose worker died before the node's end was written.
        let again = try await Self.run(setup, [.init(id: "post", type: "slack", config: ["credential": .string(keys.slack), "channel": .string("#b"), "text": .string("b")])])
        let answer = try #require(again.nodes["post"]?.output)
        let node = Workflow.Node(id: "post", type: "slack", config: [:])
        let context = NodeContext(run: again, node: node, attempt: 2,
                                  config: ["credential": .string(keys.slack), "channel": .string("#b"), "text": .string("b")]) { _, _, _ in }
        let slack = SlackNode(http: GuardedHTTP(urlGuard: URLGuard(allowPrivate: true), client: HTTPClient(retries: 0, caFile: standIn.caFile)),
                              credentials: setup.credentials, ledger: setup.store)
        #expect(try await slack.execute(context).output == answer, "the ledger's answer, not a second post")
        #expect(try standIn.delivered("slack_messages").filter { $0.objectValue?["channel"] == .string("#b") }.count == 1)
    }

    @Test("a credential rotated while a worker runs: the worker's next send meets a key it lacks, reads the key file anew and posts with the same token",
          arguments: Deployment.allCases)
    func rotatedMidRun(deployment: Deployment) async throws {
        let standIn = try SaaSStandIn()
        defer { standIn.stop() }
        let setup = try WorkflowEngineTests.setup(deployment, caFile: standIn.caFile)
        let old = Data(repeating: 9, count: 32), new = Data(repeating: 10, count: 32)
        // The key file, as both processes read it: the old key, then the new one first.
        let keyFile = Mutex(try CredentialVault(key: old))
        let worker = Credentials(store: setup.store, vault: try CredentialVault(key: old), reload: { keyFile.withLock { $0 } })
        let keys = try await Self.credentials(setup, standIn)
        let http = GuardedHTTP(urlGuard: URLGuard(allowPrivate: true), client: HTTPClient(retries: 0, caFile: standIn.caFile))
        let slack = SlackNode(http: http, credentials: worker, ledger: nil)
        func post(_ text: String) async throws -> JSONValue {
            let run = Run(id: "run-\(UUID().uuidString.prefix(8))", tenant: "acme", workflowId: "w", workflowVersion: 1, nodes: [:])
            let context = NodeContext(run: run, node: .init(id: "post", type: "slack"), attempt: 1,
                                      config: ["credential": .string(keys.slack), "channel": .string("#r\(text)"), "text": .string(text)]) { _, _, _ in }
            return try await slack.execute(context).output
        }
        _ = try await post("before")
        // Another process rotates: the new key goes first in the file, every credential is sealed anew.
        let rotated = try CredentialVault(key: new, previous: [old])
        keyFile.withLock { $0 = rotated }
        let rotator = Credentials(store: setup.store, vault: rotated)
        let (resealed, stale) = try await rotator.resealAll()
        #expect(resealed >= 5 && stale == 0)
        #expect(try await setup.store.credential(keys.slack, tenant: "acme")?.sealed.values.allSatisfy { !rotated.isStale($0) } == true)
        _ = try await post("after")
        let sent = try standIn.requests("slack").map { $0["headers"]?.objectValue?["authorization"]?.string }
        #expect(sent == Array(repeating: "Bearer \(standIn.value("slack.bot_token"))", count: 2), "the same token before and after: \(sent)")
    }
}
