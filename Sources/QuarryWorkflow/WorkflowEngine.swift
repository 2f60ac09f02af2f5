import Crypto
import Foundation
import Logging
import Metrics
import QuarryCore
import Tracing

/// Runs workflows on the shared queues (DESIGN.md §5, Docs/WORKFLOWS.md): `run_start` on
/// `default` queues a run's first nodes; `run_node`, on the queue of each node's type, runs one
/// attempt of one node and queues what its end makes ready.
///
/// Durability: the run document is the one place a run's state lives. Every change is one
/// conditional write (``RunStore/modifyRun(_:tenant:_:)``) that records the node's new state
/// *and* the dispatches it makes due (the run's outbox); only then are they sent, each with the
/// message id `run:node:attempt`, so a dispatch sent twice is one message, and then removed from
/// the outbox. A worker that dies between the write and the sending leaves its message
/// unacknowledged; its redelivery finds the node's state already written and sends the outbox.
/// A message for an attempt that is no longer current is dropped. A join is decided by the one
/// write that ends its last needed predecessor, so it fires once however many workers race.
///
/// Metrics: `workflow_run_success_total`, `workflow_run_error_total`, `workflow_run_latency_ms`,
/// `workflow_node_latency_ms{type}`, `node_retry_total{queue, actor}` (counted by the worker).
public struct WorkflowEngine: Sendable {
    public static let runStartQueue = "default"
    public static let runStartActor = "run_start"
    public static let nodeActor = "run_node"
    public static let childEndedActor = "run_child_ended"
    /// A node's output kept inline with the run, at most.
    public static let maximumOutputBytes = 256 * 1024

    let workflows: any WorkflowStore
    let runs: any RunStore
    let queue: any JobQueue
    public let registry: NodeRegistry
    let now: @Sendable () -> Date
    /// How often a running node looks whether its run was canceled.
    let cancelPoll: Duration
    /// How long an attempt runs before its claim is written (one that ends sooner is claimed by
    /// the write that ends it).
    let claimDelay: Duration
    /// The largest output, as JSON, a node may produce (kept apart from the run past
    /// ``maximumOutputBytes``).
    let outputLimit: Int
    let logger = Logger(label: "quarry.workflow")
    /// The workflow versions this engine has read.
    let pinned = PinnedWorkflows()

    public init(workflows: any WorkflowStore, runs: any RunStore, queue: any JobQueue, registry: NodeRegistry,
                cancelPoll: Duration = .milliseconds(500), claimDelay: Duration = .milliseconds(50), outputLimit: Int = WorkflowEngine.defaultOutputLimit,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.workflows = workflows
        self.runs = runs
        self.queue = queue
        self.registry = registry
        self.cancelPoll = cancelPoll
        self.claimDelay = claimDelay
        self.outputLimit = outputLimit
        self.now = now
    }

    /// The actors by queue: `run_start` on `default`, `run_node` on every queue a node type uses.
    public var actors: [String: [String: @Sendable (LeasedJob) async throws -> Void]] {
        var table: [String: [String: @Sendable (LeasedJob) async throws -> Void]] = [:]
        table[Self.runStartQueue, default: [:]][Self.runStartActor] = { job in try await runStart(job) }
        table[Self.runStartQueue, default: [:]][Self.childEndedActor] = { job in try await childEnded(job) }
        for name in Set(registry.types.values.map(\.queue)) {
            table[name, default: [:]][Self.nodeActor] = { job in try await runNode(job) }
        }
        return table
    }

    // MARK: Starting and stopping runs

    /// Stores a queued run of `workflow` and queues its `run_start`. With `id` (made from an
    /// idempotency key), a run already stored under it is returned instead (queued again while
    /// it has not started, in case the first call died between storing and queueing).
    ///
    /// When the queue cannot take `run_start`, the error is thrown (503 at the API) and nothing
    /// is left waiting for a message that never comes: a run without an id is marked failed; one
    /// with an id stays queued, for the caller's retry with the same key to queue it.
    public func start(_ workflow: Workflow, inputs: JSONValue, id: String? = nil) async throws -> Run {
        try await start(Run(id: id ?? "run-" + UUID().uuidString.lowercased(), workflow: workflow, inputs: inputs, createdAt: now()),
                        keyed: id != nil)
    }

    /// Stores `run` (queued) and queues its `run_start`; `keyed`: its id was made from an
    /// idempotency key, and a run already stored under it is the answer.
    func start(_ run: Run, keyed: Bool = false) async throws -> Run {
        var run = run
        if try await !runs.createRun(run) {
            guard keyed else { throw RunStateConflict(reason: "a run with id \(run.id) exists") }
            guard let stored = try await runs.run(run.id, tenant: run.tenant) else { throw NotFound("run", id: run.id) }
            guard stored.status == .queued else { return stored }
            run = stored
        }
        do {
            try await queue.enqueue(Self.runStartJob(run))
        } catch {
            if !keyed {
                let time = now()
                _ = try? await runs.modifyRun(run.id, tenant: run.tenant) { $0.abandon("the run could not be queued: \(error)", at: time) }
            }
            throw error
        }
        return run
    }

    /// The run id an idempotency key stands for, per tenant and workflow.
    public static func runID(tenant: String, workflow: String, idempotencyKey: String) -> String {
        id("run-", madeOf: [tenant, workflow, idempotencyKey])
    }

    /// `prefix` and 32 hex digits of the SHA-256 of `parts`: the same parts, the same id, so
    /// whatever stores a run under it twice stores it once.
    static func id(_ prefix: String, madeOf parts: [String]) -> String {
        prefix + Hex.encode(SHA256.hash(data: Data(parts.joined(separator: "\u{0}").utf8)).prefix(16))
    }

    static func runStartJob(_ run: Run) throws -> NewJob {
        NewJob(queue: runStartQueue, name: runStartActor, payload: try JSONEncoder().encode(RunStartPayload(tenant: run.tenant, run: run.id)),
               messageID: "\(run.id):start")
    }

    /// Cancels the run: nodes not begun never start, running ones stop within ``cancelPoll``.
    public func cancel(_ id: String, tenant: String, because reason: String? = nil) async throws -> Run {
        let time = now()
        guard let step = try await runs.transition(id, tenant: tenant, { $0.cancel(at: time) }, log: {
            entry($0, node: nil, .info, "run canceled" + (reason.map { ": " + $0 } ?? ""))
        }) else { throw NotFound("run", id: id) }
        guard step.applied else { throw RunStateConflict(reason: "run \(id) already ended \(step.run.status.rawValue)") }
        await finished(step.run)
        return step.run
    }

    /// A person's decision on a node that awaits one (`approval`): it succeeds on the branch
    /// `approved` or `rejected`, its output what it asked plus `approved`, `by`, `comment` and
    /// `decided_at`, and the run goes on. ``RunStateConflict`` when the node does not await a
    /// decision (not yet asked, decided already, the run ended).
    public func decide(run id: String, node: String, approved: Bool, by person: String, comment: String?, tenant: String) async throws -> Run {
        guard let stored = try await runs.run(id, tenant: tenant, nodes: [node]) else { throw NotFound("run", id: id) }
        guard stored.nodes[node] != nil else { throw NotFound("node", id: node) }
        guard let workflow = try await pinnedWorkflow(of: stored) else {
            throw RunStateConflict(reason: "run \(id) ended: its workflow version is gone")
        }
        let time = now()
        let decision = (approved ? "approved by " : "rejected by ") + person
        guard let step = try await runs.transition(id, tenant: tenant, { draft in
            var output: [String: JSONValue] = if case .object(let asked) = draft.node(node)?.output { asked } else { [:] }
            output["approved"] = .bool(approved)
            output["by"] = .string(person)
            output["comment"] = comment.map(JSONValue.string) ?? .null
            output["decided_at"] = .string(ISO8601DateFormatter().string(from: time))
            return draft.decide(node, approved: approved, output: .object(output), in: workflow, at: time)
        }, log: { entry($0, node: node, .info, decision, comment.map { .object(["comment": .string($0)]) }) }) else {
            throw NotFound("run", id: id)
        }
        guard step.applied else {
            throw RunStateConflict(reason: "node \(node) of run \(id) does not await a decision (it is \(step.run.nodes[node]?.status.rawValue ?? "unknown"))")
        }
        try await went(step, workflow)
        return try await runs.run(id, tenant: tenant) ?? step.run
    }

    // MARK: Actors

    /// `run_start`: the run begins, and its first nodes are queued. Its triggers succeed in the
    /// same write (their output is the run's inputs), so what follows them is queued at once,
    /// saving each run a message and a write; inputs too large to keep in the run (over 256 KB)
    /// leave the trigger to its own message, which keeps them apart.
    func runStart(_ job: LeasedJob) async throws {
        let message = try JSONDecoder().decode(RunStartPayload.self, from: job.payload)
        guard let stored = try await runs.run(message.run, tenant: message.tenant, nodes: []) else { return }  // deleted meanwhile
        guard let workflow = try await pinnedWorkflow(of: stored) else { return }
        let time = now()
        let triggers = try JSONEncoder().encode(stored.inputs).count <= Self.maximumOutputBytes
            ? workflow.nodes.filter { $0.type == TriggerNode.typeName }.map(\.id) : []
        guard let step = try await runs.transition(stored.id, tenant: stored.tenant, { draft in
            guard draft.start(workflow, at: time) else { return false }
            for id in triggers where draft.settleAtStart(id, output: draft.run.inputs, in: workflow, at: time) {
                // A millisecond on, so that it reads after the run's start (logs are read in time order).
                draft.logs.append(entry(draft.run, node: id, .info, "succeeded", attempt: 1, at: time.addingTimeInterval(0.001)))
            }
            return true
        }, log: { run in
            var data: [String: JSONValue] = ["workflow_version": .int(Int64(run.workflowVersion))]
            if let previous = run.rerunOf {
                data["rerun_of"] = .string(previous)
                data["reused"] = .array(run.reusedNodes.map(JSONValue.string))
            }
            return entry(run, node: nil, .info, "run started", .object(data), at: time)
        }) else { return }
        try await went(step, workflow)
    }

    /// The version the run pinned; when it is gone (the workflow was deleted before this worker
    /// read it), the run fails rather than wait for ever, and nil. A version never changes, so once
    /// read it is kept at hand (``PinnedWorkflows``); deleting a workflow cancels its runs.
    func pinnedWorkflow(of run: Run) async throws -> Workflow? {
        if let kept = pinned[run.tenant, run.workflowId, run.workflowVersion] { return kept }
        if let workflow = try await workflows.workflow(run.workflowId, version: run.workflowVersion, tenant: run.tenant) {
            pinned.keep(workflow)
            return workflow
        }
        let time = now()
        let reason = "workflow \(run.workflowId) version \(run.workflowVersion) no longer exists"
        if let step = try await runs.transition(run.id, tenant: run.tenant, { $0.abandon(reason, at: time) }, log: { entry($0, node: nil, .error, reason) }),
           step.applied {
            await finished(step.run)
        }
        return nil
    }

    /// `run_node`: one attempt of one node. The message is checked against the run with a read;
    /// the attempt is claimed (the node shown `running`) by a write ``claimDelay`` after it began,
    /// or, when it ends sooner, by the write that ends it: a quick node costs one write.
    func runNode(_ job: LeasedJob) async throws {
        let message = try JSONDecoder().decode(NodePayload.self, from: job.payload)
        guard let run = try await runs.run(message.run, tenant: message.tenant, nodes: [message.node]),
              let workflow = try await pinnedWorkflow(of: run) else { return }
        guard run.mayRun(message.node, attempt: message.attempt), let definition = workflow.node(message.node) else {
            // A duplicate or stale message: only what a crashed writer left may need sending.
            return try await went(RunStep(run: run, applied: false, made: []), workflow)
        }
        let running = RunningAttempt(node: definition.id, number: message.attempt, began: now())
        let clock = ContinuousClock()
        let began = clock.now
        let result = await withSpan("node \(definition.id)") { span in
            span.attributes["quarry.run.id"] = run.id
            span.attributes["quarry.node.type"] = definition.type
            span.attributes["quarry.node.attempt"] = message.attempt
            let result = await attempt(definition, running, of: run, workflow: workflow)
            if case .failure(let failure) = result { span.setStatus(SpanStatus(code: .error, message: failure.message)) }
            return result
        }
        Recorder(label: "workflow_node_latency_ms", dimensions: [("type", definition.type)], aggregate: true).record((clock.now - began).milliseconds)

        let ended = now()
        let step: RunStep?
        switch result {
        case .success(let outcome):
            step = try await settle(outcome, of: definition, running, in: run, workflow: workflow, at: ended)
        case .failure(let failure):
            step = try await failed(running, of: run, failure.message, retryable: failure.retryable, retryAfter: failure.retryAfter,
                                    workflow: workflow, at: ended)
            if let step, step.applied, step.run.nodes[definition.id]?.status == .queued {
                Counter(label: "node_retry_total", dimensions: [("queue", job.queue), ("actor", definition.type)]).increment()
            }
        }
        if let step { try await went(step, workflow) }
    }

    /// One attempt being run: its node and number, and when it began.
    struct RunningAttempt: Sendable {
        let node: String
        let number: Int
        let began: Date
    }

    /// Claims `running` when its node is still `queued` (not yet claimed: not by this attempt
    /// ``claimDelay`` in, nor by an earlier delivery of its message), logging that it started.
    func claimIfQueued(_ running: RunningAttempt, _ draft: inout RunDraft) -> Bool {
        guard draft.node(running.node)?.status == .queued else { return true }
        guard draft.claim(running.node, attempt: running.number, at: running.began) else { return false }
        draft.logs.append(entry(draft.run, node: running.node, .info, "attempt \(running.number) started", attempt: running.number, at: running.began))
        return true
    }

    /// Writes the step that ends (or suspends) `running`, claiming it first when that is not
    /// written yet; `log` makes the step's line from the run after it.
    func end(_ running: RunningAttempt, of run: Run, _ step: (inout RunDraft) -> Bool, log: (Run) -> RunLog?) async throws -> RunStep? {
        try await runs.transition(run.id, tenant: run.tenant, { draft in claimIfQueued(running, &draft) && step(&draft) }, log: log)
    }

    /// Writes that `running` failed, logging it as retried or failed for good. The node's retry
    /// policy holds, or its type's default; `retryAfter`, the wait a service asked for, replaces
    /// the policy's backoff.
    func failed(_ running: RunningAttempt, of run: Run, _ message: String, retryable: Bool, retryAfter: Duration? = nil, workflow: Workflow,
                at time: Date) async throws -> RunStep? {
        let (node, attempt) = (running.node, running.number)
        let defaultRetry = workflow.node(node).flatMap { registry[$0.type] }?.defaultRetry
        let wait = retryAfter?.seconds
        return try await end(running, of: run, {
            $0.fail(node, attempt: attempt, error: message, retryable: retryable, defaultRetry: defaultRetry, retryAfter: wait, in: workflow, at: time)
        }, log: { after in
            after.nodes[node]?.status == .queued
                ? entry(after, node: node, .warning, "attempt \(attempt) failed, trying again" + (wait.map { " in \($0) s as asked" } ?? "") + ": \(message)",
                        attempt: attempt)
                : entry(after, node: node, .error, "failed: \(message)", attempt: attempt)
        })
    }

    /// Writes what a successful attempt says: the node succeeded, or it waits for a decision or
    /// for the run it starts now.
    func settle(_ outcome: NodeOutcome, of definition: Workflow.Node, _ running: RunningAttempt, in run: Run, workflow: Workflow, at time: Date)
        async throws -> RunStep? {
        let (id, attempt) = (definition.id, running.number)
        switch outcome.waitsFor {
        case nil:
            let kept = if let encoded = outcome.encodedOutput { try await keep(encoded: encoded, of: run, node: id, attempt: attempt) }
                       else { try await keep(outcome.output, of: run, node: id, attempt: attempt) }
            switch kept {
            case .refused(let reason):
                return try await failed(running, of: run, reason, retryable: false, workflow: workflow, at: time)
            case .inline(let output):
                return try await end(running, of: run, { $0.succeed(id, attempt: attempt, output: output, branch: outcome.branch, in: workflow, at: time) },
                                     log: { entry($0, node: id, .info, "succeeded" + (outcome.branch.map { ", branch '\($0)'" } ?? ""), attempt: attempt) })
            case .reference(let reference):
                return try await end(running, of: run, {
                    $0.succeed(id, attempt: attempt, output: .null, reference: reference, branch: outcome.branch, in: workflow, at: time)
                }, log: { entry($0, node: id, .info, "succeeded; its output of \(reference.bytes) bytes is kept apart from the run", attempt: attempt) })
            }
        case .decision:
            return try await end(running, of: run, { $0.suspend(id, attempt: attempt, output: outcome.output) },
                                 log: { entry($0, node: id, .info, "awaits a decision: approve or reject", attempt: attempt) })
        case .childRun(let workflowID, let inputs):
            return try await startChild(of: run, node: definition, running, workflowID: workflowID, inputs: inputs, workflow: workflow, at: time)
        }
    }

    /// Why an attempt failed, and whether another could succeed. The message is kept with the
    /// run and served by the API, so it is redacted as the log is.
    struct Failure: Error {
        let message: String
        let retryable: Bool
        /// The wait the service asked for before the next attempt.
        let retryAfter: Duration?

        init(message: String, retryable: Bool, retryAfter: Duration? = nil) {
            self.message = Redaction.redact(message)
            self.retryable = retryable
            self.retryAfter = retryAfter
        }
    }

    /// Fills the config, checks it, and runs the node within its timeout: claimed ``claimDelay``
    /// in, stopped when the run is canceled.
    func attempt(_ definition: Workflow.Node, _ running: RunningAttempt, of run: Run, workflow: Workflow) async -> Result<NodeOutcome, Failure> {
        let attempt = running.number
        guard let type = registry[definition.type] else {
            return .failure(Failure(message: "no node type '\(definition.type)' in this worker", retryable: false))
        }
        let names: JSONValue
        do {
            names = try await templateContext(for: run, naming: definition.config.filter { !type.streamedByNode.contains($0.key) })
        } catch {
            return .failure(Failure(message: "upstream outputs could not be read: \(error)", retryable: true))
        }
        let config: [String: JSONValue]
        do {
            config = try Self.fill(definition, of: type, in: names)
        } catch {
            return .failure(Failure(message: "\(error)", retryable: false))
        }
        let context = NodeContext(run: run, node: definition, attempt: attempt, config: config, templateContext: names, items: { field in
            try await list(field, definition.config[field] ?? .null, of: run)
        }, log: { level, text, data in
            await log(run, node: definition.id, level, text, data, attempt: attempt)
        })
        let limit = type.timeout(of: definition)
        let outcome: NodeOutcome?
        do {
            outcome = try await withThrowingTaskGroup(of: NodeOutcome?.self) { group in
                group.addTask { try await type.execute(context) }
                group.addTask {
                    try await Task.sleep(for: limit)
                    throw Failure(message: "timed out after \(limit.seconds) s", retryable: true)
                }
                group.addTask {
                    // The claim, once the attempt has run a while; then cooperative cancel: nil once
                    // the run was canceled or this attempt given up.
                    try await Task.sleep(for: claimDelay)
                    _ = try? await runs.modifyRun(run.id, tenant: run.tenant) { claimIfQueued(running, &$0) }
                    while true {
                        try await Task.sleep(for: cancelPoll)
                        guard let current = try? await runs.run(run.id, tenant: run.tenant, nodes: [definition.id]) else { continue }
                        if !current.mayRun(definition.id, attempt: attempt) { return nil }
                    }
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        } catch let failure as Failure {
            return .failure(failure)
        } catch let error as PermanentNodeError {
            return .failure(Failure(message: error.message, retryable: false))
        } catch let later as RetryLater {
            return .failure(Failure(message: later.message, retryable: true, retryAfter: later.after))
        } catch {
            return .failure(Failure(message: "\(error)", retryable: true))
        }
        guard let outcome else { return .failure(Failure(message: "stopped: the run was canceled", retryable: false)) }
        return .success(outcome)
    }

    /// The node's config with its templates filled from `names` (``templateContext(for:naming:)``; but
    /// those its type fills itself), checked against its type's schema.
    static func fill(_ definition: Workflow.Node, of type: any NodeType, in names: JSONValue) throws -> [String: JSONValue] {
        let later = type.filledByNode.union(type.streamedByNode)
        let filled = try Template.render(.object(definition.config.filter { !later.contains($0.key) }), in: names)
        guard case .object(var config) = filled else { return [:] }
        for key in later { config[key] = definition.config[key] }
        // What the node fills itself may still hold templates; the rest is filled by now.
        if let violation = SchemaCheck.firstViolation(of: .object(config), against: type.configSchema, templated: !later.isEmpty) {
            throw PermanentNodeError("config \(violation)")
        }
        return config
    }

    /// What follows a step: when it ended the run, the end is counted (``finished(_:)``); else
    /// its dispatches are sent (``send(_:_:)``).
    func went(_ step: RunStep, _ workflow: Workflow) async throws {
        if step.applied, step.run.status.isFinished { return await finished(step.run) }
        try await send(step, workflow)
    }

    /// Sends what `step` made due; after a step that did not apply (a duplicate or stale
    /// message), the whole outbox, which holds what a writer that died before sending left. For a
    /// child run that ended and whose parent was not yet told (its writer died first), tells the
    /// parent.
    ///
    /// A dispatch leaves the outbox when its message is claimed (``RunDraft/claim(_:attempt:at:)``),
    /// which costs no write of its own; when a step made many at once (a fan-out), they leave it
    /// in one write after sending, so the run's own fields stay small while they run.
    func send(_ step: RunStep, _ workflow: Workflow) async throws {
        let run = step.run
        if run.status.isFinished, run.parentPending == true { return try await tellParent(run) }
        let due = step.applied ? step.made : run.outbox
        guard !due.isEmpty, !run.status.isFinished else { return }
        let time = now()
        for dispatch in due {
            let definition = workflow.node(dispatch.node)
            let type = definition.flatMap { registry[$0.type] }
            let queueName = type?.queue ?? Self.runStartQueue
            let payload = try JSONEncoder().encode(NodePayload(tenant: run.tenant, run: run.id, node: dispatch.node, attempt: dispatch.attempt))
            var wait = Duration.milliseconds(Int64(max(dispatch.notBefore?.timeIntervalSince(time) ?? 0, 0) * 1000))
            if dispatch.attempt == 1, let definition, let type {
                // A config that cannot be filled or read waits nothing: its attempt fails and says why.
                let asked = try? await type.startDelay({
                    try Self.fill(definition, of: type, in: try await templateContext(for: run, naming: definition.config))
                }, at: time)
                wait = max(wait, asked ?? .zero)
            }
            // Sent again after a crash, the message keeps its id, and the queue keeps the first one's delay.
            try await queue.enqueue(NewJob(queue: queueName, name: Self.nodeActor, payload: payload, maxAttempts: 20, messageID: run.messageID(dispatch),
                                           delay: wait))
        }
        if due.count > Self.dispatchesLeftToClaim { _ = try await runs.modifyRun(run.id, tenant: run.tenant) { $0.sent(due) } }
    }

    /// Dispatches sent at once that stay in the outbox until claimed, at most.
    static let dispatchesLeftToClaim = 8

    /// Counts the run's end, tells its parent (when it is a child run), and cancels the runs its
    /// canceled nodes were waiting for.
    func finished(_ run: Run) async {
        if run.parentPending == true {
            do {
                try await tellParent(run)
            } catch {
                // The redelivered message of the node that ended the run tells it (send).
                logger.warning("parent run not told yet", metadata: ["run": "\(run.id)", "error": "\(error)"])
            }
        }
        await cancelChildren(of: run)
        switch run.status {
        case .succeeded: Counter(label: "workflow_run_success_total").increment()
        case .failed: Counter(label: "workflow_run_error_total").increment()
        default: break
        }
        if let started = run.startedAt, let ended = run.finishedAt {
            Recorder(label: "workflow_run_latency_ms", aggregate: true).record(ended.timeIntervalSince(started) * 1000)
        }
        logger.info("run ended", metadata: ["tenant": "\(run.tenant)", "run": "\(run.id)", "status": "\(run.status.rawValue)"])
    }

    /// Keeps a line in the run's log, on its own (a step's lines go with its write: ``entry(_:node:_:_:_:attempt:)``).
    func log(_ run: Run, node: String?, _ level: RunLog.Level, _ message: String, _ data: JSONValue? = nil, attempt: Int? = nil) async {
        do {
            try await runs.appendRunLog(entry(run, node: node, level, message, data, attempt: attempt))
        } catch {
            logger.warning("run log line not kept", metadata: ["run": "\(run.id)", "error": "\(error)"])
        }
    }

    /// A line of the run's log, with the attempt among its data. What reaches the log never holds
    /// a secret that redaction can recognise (Docs/WORKFLOWS.md).
    func entry(_ run: Run, node: String?, _ level: RunLog.Level, _ message: String, _ data: JSONValue? = nil, attempt: Int? = nil, at time: Date? = nil)
        -> RunLog {
        var fields: [String: JSONValue] = if case .object(let given) = data { given } else { data.map { ["value": $0] } ?? [:] }
        if let attempt { fields["attempt"] = .int(Int64(attempt)) }
        let time = time ?? now()
        return RunLog(id: Self.logID(time), runId: run.id, tenant: run.tenant, node: node, time: time, level: level, message: Redaction.redact(message),
                      data: fields.isEmpty ? nil : Redaction.redact(.object(fields)))
    }

    /// Ids that sort by time: microseconds since 1970, then a random suffix for lines written in
    /// the same microsecond.
    static func logID(_ time: Date) -> String {
        let micros = UInt64(max(time.timeIntervalSince1970, 0) * 1_000_000)
        return String(format: "%016llx", micros) + "-" + UUID().uuidString.lowercased().prefix(8)
    }
}

/// `run_node`'s keyword arguments (Docs/QUEUES.md).
public struct NodePayload: Codable, Sendable, Equatable {
    public var tenant: String
    public var run: String
    public var node: String
    public var attempt: Int
}
