import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEngine
import QuarryHTTP
import QuarryMongo
import QuarryRedis
import QuarryTestSupport
import QuarryWorkflow
import Synchronization
import Testing

/// The workflow engine on each deployment's back ends: SQLite for store and queue (embedded), and
/// SecantusDB + Redis (production), with real workers taking the messages.
@Suite("workflow engine", .serialized)
struct WorkflowEngineTests {
    enum Deployment: String, CaseIterable, CustomTestStringConvertible {
        case embedded, production
        var testDescription: String { rawValue }
    }

    /// A node whose effects the test counts: it records its config's `value` under its node id,
    /// fails its first `fail` attempts (or the first time any run sees its `fail_once` key), counts
    /// how many probes with `track` run at once, outputs `size` bytes of "x" or a list of `rows` objects when asked,
    /// logs `say` (with `say_data`) and that it ran (but when `quiet`), fails for good with `fail_with`, and sleeps `sleep` seconds (stopping early when canceled).
    struct Probe: NodeType {
        let name = "probe"
        let queue = "actions"
        let summary = "test node"
        let configSchema: JSONValue = .object(["type": .string("object")])
        let outputSchema: JSONValue = .object([:])
        let effects: Effects

        func execute(_ context: NodeContext) async throws -> NodeOutcome {
            if let seconds = context.config["sleep"]?.int { try await Task.sleep(for: .seconds(seconds)) }
            if let say = context.config["say"]?.string { await context.log(.info, say, context.config["say_data"]) }
            if let secret = context.config["fail_with"]?.string { throw PermanentNodeError(secret) }
            if context.config["track"] != nil { try await effects.tracked { try await Task.sleep(for: .milliseconds(100)) } }
            if let failures = context.config["fail"]?.int, context.attempt <= failures {
                throw ProbeFailure(attempt: context.attempt)
            }
            if let key = context.config["fail_once"]?.string, effects.firstTime(key) { throw ProbeFailure(attempt: context.attempt) }
            effects.record(run: context.run.id, node: context.node.id, value: context.config["value"] ?? .null)
            if context.config["quiet"] == nil { await context.log(.info, "probe ran", nil) }
            let rows = context.config["rows"]?.int.map { count in
                JSONValue.object(["count": .int(count), "rows": .array((0..<count).map { .object(["i": .int($0), "label": .string("row \($0), [with] \"a\" comma " + String(repeating: "~", count: 250))]) })])
            }
            let value = context.config["size"]?.int.map { JSONValue.string(String(repeating: "x", count: Int($0))) } ?? rows ?? context.config["value"] ?? .null
            return NodeOutcome(output: .object(["value": value, "attempt": .int(Int64(context.attempt))]))
        }
    }

    struct ProbeFailure: Error, CustomStringConvertible {
        let attempt: Int
        var description: String { "probe failed on attempt \(attempt)" }
    }

    final class StopFlag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    final class Effects: Sendable {
        private let entries = Mutex<[String]>([])
        func record(run: String, node: String, value: JSONValue) { entries.withLock { $0.append("\(run)/\(node)") } }
        func count(_ run: String, _ node: String) -> Int { entries.withLock { $0.filter { $0 == "\(run)/\(node)" }.count } }
        private let running = Mutex((now: 0, most: 0))
        /// The most probes with `track` that ran at once.
        var mostAtOnce: Int { running.withLock { $0.most } }
        func tracked(_ work: () async throws -> Void) async throws {
            running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            defer { running.withLock { $0.now -= 1 } }
            try await work()
        }
        /// True the first time it is asked about `key`.
        func firstTime(_ key: String) -> Bool { entries.withLock { seen in
            defer { seen.append("once:" + key) }
            return !seen.contains("once:" + key)
        } }
    }

    struct Setup {
        let engine: WorkflowEngine
        let store: any DocumentStore & WorkflowStore & RunStore & CredentialStore & EffectLedger
        let queue: any JobQueue
        let effects: Effects
        /// The same queue as another worker sees it (on Redis, another worker id), for a worker that dies.
        let otherWorker: @Sendable () -> any JobQueue
        /// What `http_request` finds a node's `credential` in.
        let credentials: Credentials

        /// Takes the next message of `queue` as a worker would, and runs its actor.
        func runNext(on name: String) async throws {
            let job = try #require(try await queue.dequeue(queue: name, lease: .seconds(30)))
            let actor = try #require(engine.actors[name]?[job.name])
            try await actor(job)
            try await queue.complete(job)
        }

        /// Workers on every queue with actors, until `done` holds or 180 s pass (in the full suite
        /// the first run shares two cores with every other test; a healthy run ends in under a second).
        func work(until done: @escaping @Sendable () async -> Bool) async {
            let workers = engine.actors.map { JobWorker(queue: queue, queueName: $0.key, actors: $0.value) }
            await withTaskGroup(of: Void.self) { group in
                let stop = StopFlag()
                for worker in workers {
                    group.addTask { await worker.run(concurrency: 2, polling: .milliseconds(20)) { stop.isSet } }
                }
                let deadline = ContinuousClock.now + .seconds(180)
                while await !done(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
                stop.set()
            }
        }

        func finished(_ run: Run) async -> Run {
            await work { (try? await store.run(run.id, tenant: run.tenant))?.status.isFinished ?? false }
            return (try? await store.run(run.id, tenant: run.tenant)) ?? run
        }
    }

    /// `heartbeat`: how long a silent Redis worker counts as alive. Long by default, so a worker
    /// slowed by the rest of the suite is not taken for dead and its node run twice; the crash
    /// test shortens it to see a dead worker's message come back soon. Outputs are held to 1 MB
    /// (64 MB in service), so a test can pass the limit cheaply.
    /// `caFile`: the CA the connectors trust (a stand-in's); `ledger`: whether Slack, Notion and Sheets keep their effect ledger.
    /// `mailCA`: the CA the email connector trusts (an SMTP test server's).
    static func setup(_ deployment: Deployment, heartbeat: Duration = .seconds(60), caFile: String? = nil, mailCA: String? = nil,
                      ledger: Bool = true) throws -> Setup {
        let effects = Effects()
        let store: any DocumentStore & WorkflowStore & RunStore & CredentialStore & EffectLedger
        let queue: any JobQueue
        let otherWorker: @Sendable () -> any JobQueue
        switch deployment {
        case .embedded:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString).sqlite").path
            let database = try SQLiteDatabase(path: path)
            store = try SQLiteDocumentStore(database: database, files: URL(fileURLWithPath: path + ".files"))
            queue = try SQLiteJobQueue(database: database)
            otherWorker = { queue }
        case .production:
            store = try StoreBackend.mongodb.makeStore()
            let redis = try SharedRedis.server.get()
            let namespace = "engine-\(UUID().uuidString.prefix(8))"
            let open: @Sendable () -> any JobQueue = {
                RedisJobQueue(client: RedisClient(endpoint: RedisEndpoint(url: redis.url)!), namespace: namespace, heartbeatTimeout: heartbeat)
            }
            queue = open()
            otherWorker = open
        }
        let credentials = Credentials(store: store, vault: try CredentialVault(key: Data(repeating: 9, count: 32)))
        let http = GuardedHTTP(urlGuard: URLGuard(allowPrivate: true), client: HTTPClient(retries: 0, caFile: caFile))
        let limiter: any ActionLimiter = switch deployment {
        case .embedded: LocalActionLimiter()
        case .production: RedisActionLimiter(client: RedisClient(endpoint: RedisEndpoint(url: try SharedRedis.server.get().url)!),
                                             namespace: "limits-\(UUID().uuidString.prefix(8))")
        }
        let ledger: (any EffectLedger)? = ledger ? store : nil
        let itemTypes: [any NodeType] = [TransformNode(), ConditionNode(), Probe(effects: effects), HTTPRequestNode(http: http, credentials: credentials, limiter: limiter),
                                         SlackNode(http: http, credentials: credentials, ledger: ledger, limiter: limiter),
                                         TwilioNode(http: http, credentials: credentials, limiter: limiter),
                                         NotionNode(http: http, credentials: credentials, ledger: ledger, limiter: limiter),
                                         SheetsNode(http: http, credentials: credentials, ledger: ledger, limiter: limiter),
                                         EmailNode(mail: SMTPTransport(urlGuard: URLGuard(allowPrivate: true), caFile: mailCA), credentials: credentials,
                                                   documents: store, limiter: limiter)]
        let registry = NodeRegistry(itemTypes + [TriggerNode(), DelayNode(), ApprovalNode(), SubWorkflowNode(), MapNode(itemTypes: itemTypes)])
        let engine = WorkflowEngine(workflows: store, runs: store, queue: queue, registry: registry, cancelPoll: .milliseconds(100), outputLimit: 1_000_000)
        return Setup(engine: engine, store: store, queue: queue, effects: effects, otherWorker: otherWorker, credentials: credentials)
    }

    /// trigger → fetch → (left, right) → join, the join's value built from both branches' outputs.
    static func diamond(_ id: String = "wf", join: [String: JSONValue] = [:]) -> Workflow {
        Workflow(id: id, tenant: "acme", name: "diamond", nodes: [
            .init(id: "start", type: "trigger"),
            .init(id: "fetch", type: "transform", config: ["value": .object(["city": .string("{{ trigger.city }}"), "n": .string("{{ trigger.n }}")])]),
            .init(id: "left", type: "probe", config: ["value": .string("tides for {{ nodes.fetch.city }}")]),
            .init(id: "right", type: "probe", config: ["value": .string("{{ nodes.fetch.n }}")]),
            .init(id: "join", type: "probe", config: ["value": .string("{{ nodes.left.value }} / {{ nodes.right.value }}")].merging(join) { $1 }),
        ], edges: [.init(from: "start", to: "fetch"), .init(from: "fetch", to: "left"), .init(from: "fetch", to: "right"),
                   .init(from: "left", to: "join"), .init(from: "right", to: "join")])
    }

    @Test("a run goes end to end: templates carry outputs downstream, the join runs once, the log tells the story",
          arguments: Deployment.allCases)
    func endToEnd(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        let workflow = Self.diamond()
        try setup.engine.check(workflow)
        #expect(try await setup.store.createWorkflow(workflow))
        let run = try await setup.engine.start(workflow, inputs: .object(["city": .string("Brest"), "n": .int(7)]))
        let done = await setup.finished(run)
        #expect(done.status == .succeeded, "\(done)")
        #expect(done.nodes["fetch"]?.output == .object(["city": .string("Brest"), "n": .int(7)]), "a lone template keeps its type")
        #expect(done.nodes["join"]?.output?.objectValue?["value"] == .string("tides for Brest / 7"))
        #expect(setup.effects.count(run.id, "join") == 1 && setup.effects.count(run.id, "left") == 1)
        #expect(done.outbox.isEmpty)
        let log = try await setup.store.runLogs(run: run.id, tenant: "acme", after: nil, limit: 100)
        #expect(log.first?.message == "run started")
        #expect(log.contains { $0.node == "join" && $0.message == "succeeded" })
        #expect(log.contains { $0.node == "left" && $0.message == "probe ran" && $0.data?.objectValue?["attempt"] == .int(1) })
    }

    @Test("a failing node is retried after its backoff until it succeeds; without attempts left it fails the run and nothing after it runs",
          arguments: Deployment.allCases)
    func retries(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        var workflow = Self.diamond()
        workflow.nodes[2].config["fail"] = .int(2)
        workflow.nodes[2].retry = .init(maxAttempts: 3, backoffSeconds: 0.2, maxBackoffSeconds: 1)
        #expect(try await setup.store.createWorkflow(workflow))
        let run = try await setup.engine.start(workflow, inputs: .object(["city": .string("Brest"), "n": .int(7)]))
        let done = await setup.finished(run)
        #expect(done.status == .succeeded && done.nodes["left"]?.attempt == 3, "\(done)")
        let log = try await setup.store.runLogs(run: run.id, tenant: "acme", after: nil, limit: 100)
        #expect(log.filter { $0.node == "left" && $0.level == .warning }.map(\.message)
            == ["attempt 1 failed, trying again: probe failed on attempt 1", "attempt 2 failed, trying again: probe failed on attempt 2"])

        var failing = Self.diamond("wf2")
        failing.nodes[2].config["fail"] = .int(5)
        failing.nodes[2].retry = .init(maxAttempts: 2, backoffSeconds: 0.1, maxBackoffSeconds: 1)
        #expect(try await setup.store.createWorkflow(failing))
        let second = await setup.finished(try await setup.engine.start(failing, inputs: .object(["city": .string("Brest"), "n": .int(7)])))
        #expect(second.status == .failed && second.error == "node 'left' failed: probe failed on attempt 2", "\(second)")
        #expect(second.nodes["join"]?.status == .canceled && setup.effects.count(second.id, "join") == 0)
    }

    @Test("a template naming nothing fails only its node, with the path; continue_on_error lets the run go on",
          arguments: Deployment.allCases)
    func templateErrors(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        var workflow = Self.diamond()
        workflow.nodes[3].config["value"] = .string("{{ nodes.fetch.country }}")
        workflow.nodes[3].continueOnError = true
        workflow.nodes[4].join = .allSettled
        #expect(try await setup.store.createWorkflow(workflow))
        let run = await setup.finished(try await setup.engine.start(workflow, inputs: .object(["city": .string("Brest"), "n": .int(7)])))
        #expect(run.nodes["right"]?.status == .failed)
        #expect(run.nodes["right"]?.error == "template {{ nodes.fetch.country }}: 'nodes.fetch' has no 'country' (it has: city, n)")
        #expect(run.nodes["right"]?.attempt == 1, "a template error is not retried")
        // The join reads the failed node's output: a template error of its own, so the run fails there.
        #expect(run.status == .failed && run.error?.contains("nodes.right") == true, "\(run)")
    }

    @Test("cancel: a running node stops within the poll, nodes not begun never run, the run ends canceled", arguments: Deployment.allCases)
    func cancel(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        var workflow = Self.diamond()
        workflow.nodes[2].config["sleep"] = .int(20)
        #expect(try await setup.store.createWorkflow(workflow))
        let run = try await setup.engine.start(workflow, inputs: .object(["city": .string("Brest"), "n": .int(7)]))
        await setup.work {
            guard let current = try? await setup.store.run(run.id, tenant: "acme") else { return false }
            if current.nodes["left"]?.status == .running, current.status == .running {
                _ = try? await setup.engine.cancel(run.id, tenant: "acme")
            }
            if current.status == .canceled {
                // Done once the canceled node's worker has let go of it (its log says so).
                let log = (try? await setup.store.runLogs(run: run.id, tenant: "acme", after: nil, limit: 100)) ?? []
                if log.contains(where: { $0.node == "left" && $0.message.contains("stopped") }) || log.contains(where: { $0.message == "run canceled" }) {
                    return true
                }
            }
            return false
        }
        let done = try #require(try await setup.store.run(run.id, tenant: "acme"))
        #expect(done.status == .canceled && done.nodes["join"]?.status == .canceled)
        #expect(setup.effects.count(run.id, "join") == 0 && setup.effects.count(run.id, "left") == 0, "the 20 s node stopped before its end")
        await #expect(throws: NotFound("run", id: run.id)) { try await setup.engine.cancel(run.id, tenant: "globex") }
    }

    @Test("a worker that died after writing a node's end but before sending what it made ready: the redelivery sends it, once",
          arguments: Deployment.allCases)
    func crashBetweenWriteAndSend(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment, heartbeat: .seconds(2))
        let workflow = Self.diamond()
        #expect(try await setup.store.createWorkflow(workflow))
        let run = try await setup.engine.start(workflow, inputs: .object(["city": .string("Brest"), "n": .int(7)]))
        // run_start by hand (the trigger succeeds in it); then another worker takes fetch's
        // message, writes fetch's success and dies before sending what it made ready.
        try await setup.runNext(on: "default")
        let dying = setup.otherWorker()
        let fetchJob = try #require(try await dying.dequeue(queue: "default", lease: .seconds(1)))
        #expect(fetchJob.name == WorkflowEngine.nodeActor && String(decoding: fetchJob.payload, as: UTF8.self).contains(#""node":"fetch""#))
        _ = try await setup.store.modifyRun(run.id, tenant: "acme") { run in
            _ = run.claim("fetch", attempt: 1)
            _ = run.succeed("fetch", attempt: 1, output: .object(["city": .string("Brest"), "n": .int(7)]), in: workflow)
        }
        #expect(try await setup.store.run(run.id, tenant: "acme")?.outbox.map(\.node) == ["left", "right"], "written, not sent")
        #expect(try await setup.queue.depth(queue: "actions") == 0)
        // Its lease runs out (the worker is dead): the message comes back, and the engine sends the outbox.
        try await Task.sleep(for: .seconds(2.5))
        let done = await setup.finished(run)
        #expect(done.status == .succeeded, "\(done)")
        #expect(setup.effects.count(run.id, "left") == 1 && setup.effects.count(run.id, "join") == 1)
    }
}

extension WorkflowEngineTests {
    @Test("http_request: JSON body and the same Idempotency-Key on every attempt; 503 retried, 404 not; a private address refused unless allowed",
          arguments: Deployment.allCases)
    func httpRequest(deployment: Deployment) async throws {
        let recorder = try EffectRecorder()
        defer { recorder.stop() }
        let setup = try Self.setup(deployment)
        let workflow = Workflow(id: "hook", tenant: "acme", name: "hook", nodes: [
            .init(id: "start", type: "trigger"),
            .init(id: "post", type: "http_request",
                  config: ["url": .string(recorder.url + "/fail/2/hook"), "json": .object(["city": .string("{{ trigger.city }}")]),
                           "headers": .object(["X-Quarry-Test": .string("yes")])],
                  retry: .init(maxAttempts: 3, backoffSeconds: 0.1, maxBackoffSeconds: 0.2)),
            .init(id: "missing", type: "http_request", config: ["url": .string(recorder.url + "/status/404/nothing?token=s3cret"), "method": .string("GET")],
                  retry: .init(maxAttempts: 5, backoffSeconds: 0.1), continueOnError: true),
        ], edges: [.init(from: "start", to: "post"), .init(from: "start", to: "missing")])
        try setup.engine.check(workflow)
        #expect(try await setup.store.createWorkflow(workflow))
        let run = await setup.finished(try await setup.engine.start(workflow, inputs: .object(["city": .string("Brest")])))
        #expect(run.status == .succeeded, "\(run)")
        #expect(run.nodes["post"]?.attempt == 3)
        #expect(run.nodes["post"]?.output?.objectValue?["body"]?.objectValue?["seen"] == .int(3))
        #expect(run.nodes["missing"]?.status == .failed && run.nodes["missing"]?.attempt == 1, "a 404 is not retried")
        #expect(run.nodes["missing"]?.error?.contains("/status/404/nothing?… answered 404") == true, "\(run.nodes["missing"]?.error ?? "")")
        let lines = try await setup.store.runLogs(run: run.id, tenant: "acme", after: nil, limit: 1000)
        #expect(!"\(lines)\(run)".contains("s3cret"), "a token in the URL's query stays out of errors and the log")
        let effects = try recorder.effects()
        #expect(effects.keys["\(run.id):post"] == 3, "one key for every attempt")
        let sent = try #require(effects.requests.first { $0.key == "\(run.id):post" })
        #expect(sent.method == "POST" && sent.body == #"{"city":"Brest"}"# && sent.contentType == "application/json")

        let guarded = HTTPRequestNode(http: GuardedHTTP(urlGuard: URLGuard(allowPrivate: false)))
        let context = NodeContext(run: run, node: workflow.nodes[1], attempt: 1, config: ["url": .string(recorder.url + "/x")]) { _, _, _ in }
        await #expect(throws: PermanentNodeError.self) { try await guarded.execute(context) }
        #expect(try recorder.effects().requests.count == effects.requests.count, "nothing was sent")
    }

    @Test("http_request with a credential: its header is sent, and an answer that echoes it keeps it out of the output, errors and log; another type's or another tenant's credential fails the node",
          arguments: Deployment.allCases)
    func httpCredential(deployment: Deployment) async throws {
        let recorder = try EffectRecorder()
        defer { recorder.stop() }
        let setup = try Self.setup(deployment)
        let secret = "tok-0123456789abcdef"
        let api = try await setup.credentials.create(type: "http", name: "api", fields: ["authorization": "Bearer \(secret)"], tenant: "acme")
        let slack = try await setup.credentials.create(type: "slack", name: "bot", fields: ["bot_token": "xoxb-not-for-http"], tenant: "acme")
        let foreign = try await setup.credentials.create(type: "http", name: "theirs", fields: ["authorization": "Bearer globex-0000000"], tenant: "globex")
        func call(_ id: String, _ path: String, _ credential: String) -> Workflow.Node {
            .init(id: id, type: "http_request", config: ["url": .string(recorder.url + path), "method": .string("GET"), "credential": .string(credential)],
                  continueOnError: true)
        }
        let workflow = Workflow(id: "keyed", tenant: "acme", name: "keyed", nodes: [
            .init(id: "start", type: "trigger"), call("echo", "/echo", api.id), call("denied", "/status/401/echo", api.id),
            call("wrong", "/echo", slack.id), call("foreign", "/echo", foreign.id),
        ], edges: ["echo", "denied", "wrong", "foreign"].map { .init(from: "start", to: $0) })
        try setup.engine.check(workflow)
        #expect(try await setup.store.createWorkflow(workflow))
        let run = await setup.finished(try await setup.engine.start(workflow, inputs: .object([:])))
        #expect(run.status == .succeeded, "\(run)")
        let sent = try recorder.effects().requests.filter { $0.key == "\(run.id):echo" }
        #expect(sent.count == 1 && sent.first?.authorization == "Bearer \(secret)", "the credential's header was sent")
        #expect(run.nodes["echo"]?.output?.objectValue?["body"]?.objectValue?["headers"] == .object(["authorization": .string(Redaction.mark)]))
        #expect(run.nodes["denied"]?.status == .failed && run.nodes["denied"]?.error?.contains("answered 401") == true, "\(run.nodes["denied"]?.error ?? "")")
        #expect(run.nodes["wrong"]?.error == "config /credential: '\(slack.id)' is of type slack, not http")
        #expect(run.nodes["foreign"]?.error == "config /credential: the tenant has no credential '\(foreign.id)'")
        #expect(try recorder.effects().requests.filter { $0.key == "\(run.id):wrong" || $0.key == "\(run.id):foreign" }.isEmpty, "nothing sent for those")
        let lines = try await setup.store.runLogs(run: run.id, tenant: "acme", after: nil, limit: 1000)
        #expect(!"\(lines)\(run)".contains(secret) && !"\(lines)\(run)".contains("0123456789abcdef"), "the secret is nowhere in the run or its log")
    }
}

extension WorkflowEngineTests {
    @Test("delay: the node after it starts no sooner than the templated seconds; canceled while it waits, nothing after it runs",
          arguments: Deployment.allCases)
    func delay(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        let workflow = Workflow(id: "later", tenant: "acme", name: "later", nodes: [
            .init(id: "start", type: "trigger"),
            .init(id: "wait", type: "delay", config: ["seconds": .string("{{ trigger.seconds }}")]),
            .init(id: "after", type: "probe", config: ["value": .string("{{ nodes.wait.resumed_at }}")]),
        ], edges: [.init(from: "start", to: "wait"), .init(from: "wait", to: "after")])
        try setup.engine.check(workflow)
        #expect(try await setup.store.createWorkflow(workflow))

        let run = try await setup.engine.start(workflow, inputs: .object(["seconds": .int(2)]))
        let done = await setup.finished(run)
        #expect(done.status == .succeeded, "\(done)")
        let ready = try #require(done.nodes["start"]?.finishedAt), began = try #require(done.nodes["wait"]?.startedAt)
        // The message was sent after the trigger ended, and may not be delivered before its delay.
        #expect(began.timeIntervalSince(ready) >= 1.99, "the delay node began \(began.timeIntervalSince(ready)) s after it was ready")
        #expect(setup.effects.count(run.id, "after") == 1)

        let waiting = try await setup.engine.start(workflow, inputs: .object(["seconds": .int(600)]))
        await setup.work { (try? await setup.store.run(waiting.id, tenant: "acme"))?.nodes["start"]?.status == .succeeded }
        let canceled = try await setup.engine.cancel(waiting.id, tenant: "acme")
        #expect(canceled.status == .canceled && canceled.nodes["after"]?.status != .succeeded, "\(canceled)")
        #expect(setup.effects.count(waiting.id, "after") == 0)
    }

    @Test("approval: the run stops at the node, the workers idle; a decision written on the run's store sends the chosen branch on",
          arguments: Deployment.allCases)
    func approval(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        let workflow = Workflow(id: "ask", tenant: "acme", name: "ask", nodes: [
            .init(id: "start", type: "trigger"),
            .init(id: "ask", type: "approval", config: ["message": .string("go?")]),
            .init(id: "yes", type: "probe", config: ["value": .string("{{ nodes.ask.by }}")]),
            .init(id: "no", type: "probe", config: ["value": .string("no")]),
        ], edges: [.init(from: "start", to: "ask"), .init(from: "ask", to: "yes", branch: "approved"), .init(from: "ask", to: "no", branch: "rejected")])
        try setup.engine.check(workflow)
        #expect(try await setup.store.createWorkflow(workflow))
        let run = try await setup.engine.start(workflow, inputs: .object([:]))
        await setup.work { (try? await setup.store.run(run.id, tenant: "acme"))?.nodes["ask"]?.status == .awaiting }
        #expect(try await setup.store.run(run.id, tenant: "acme")?.status == .running)
        let decided = try await setup.engine.decide(run: run.id, node: "ask", approved: true, by: "ada", comment: nil, tenant: "acme")
        #expect(decided.nodes["ask"]?.branch == "approved" && decided.nodes["no"]?.status == .skipped)
        let done = await setup.finished(decided)
        #expect(done.status == .succeeded && done.nodes["yes"]?.output?.objectValue?["value"] == .string("ada"), "\(done)")
        #expect(setup.effects.count(run.id, "yes") == 1 && setup.effects.count(run.id, "no") == 0)
        await #expect(throws: RunStateConflict.self) {
            try await setup.engine.decide(run: run.id, node: "ask", approved: false, by: "bob", comment: nil, tenant: "acme")
        }
    }

    @Test("deleting a workflow cancels its runs not ended, saying why, however far they got; ended runs stay as they were",
          arguments: Deployment.allCases)
    func deleteCancelsRuns(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        let workflow = Workflow(id: "gone", tenant: "acme", name: "gone", nodes: [
            .init(id: "start", type: "trigger"), .init(id: "ask", type: "approval", config: ["message": .string("go?")]),
        ], edges: [.init(from: "start", to: "ask")])
        #expect(try await setup.store.createWorkflow(workflow))
        let waiting = try await setup.engine.start(workflow, inputs: .object([:]))
        await setup.work { (try? await setup.store.run(waiting.id, tenant: "acme"))?.nodes["ask"]?.status == .awaiting }
        let queued = try await setup.engine.start(workflow, inputs: .object([:]))  // its run_start not yet taken
        var ended = try await setup.engine.start(workflow, inputs: .object([:]))
        ended = try await setup.engine.cancel(ended.id, tenant: "acme")

        try await setup.engine.delete("gone", tenant: "acme")
        for run in [waiting, queued] {
            let after = try #require(try await setup.store.run(run.id, tenant: "acme"))
            #expect(after.status == .canceled && after.nodes["ask"]?.status.isFinished == true, "\(run.id)")
            let log = try await setup.store.runLogs(run: run.id, tenant: "acme", after: nil, limit: 100)
            #expect(log.contains { $0.message == "run canceled: its workflow was deleted" })
        }
        let endedLog = try await setup.store.runLogs(run: ended.id, tenant: "acme", after: nil, limit: 100)
        #expect(endedLog.filter { $0.message.hasPrefix("run canceled") }.map(\.message) == ["run canceled"], "a run canceled before is left alone")
        await setup.work { (try? await setup.queue.depth(queue: WorkflowEngine.runStartQueue)) == 0 }
        #expect(try await setup.store.run(queued.id, tenant: "acme")?.status == .canceled, "its run_start, taken after, changes nothing")
    }

    @Test("delay: until a time (a past one waits nothing), at most 30 days; a config that cannot say how long fails the node and says why")
    func delayConfig() throws {
        let node = DelayNode()
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-06T10:00:00Z"))
        #expect(try node.startDelay(["until": .string("2026-12-06T10:01:30Z")], at: now) == .seconds(90))
        #expect(try node.startDelay(["until": .string("2026-12-06T10:00:00.500Z")], at: now) == .milliseconds(500))
        #expect(try node.startDelay(["until": .string("2020-01-01T00:00:00Z")], at: now) == .zero)
        #expect(try node.startDelay(["seconds": .double(1.5)], at: now) == .milliseconds(1500))
        for config: [String: JSONValue] in [[:], ["seconds": .int(1), "until": .string("2026-12-06T10:01:30Z")], ["until": .string("tomorrow")],
                                            ["until": .string("2027-02-01T00:00:00Z")], ["seconds": .int(-1)]] {
            #expect(throws: PermanentNodeError.self, "\(config)") { try node.startDelay(config, at: now) }
        }
    }
}

