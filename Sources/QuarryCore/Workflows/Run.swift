import Foundation

/// One run of a workflow (DESIGN.md §4–5): its status, each node's state and output, and the
/// messages its last change made due (``outbox``). `revision` counts the writes, so that two
/// workers finishing nodes at once cannot undo each other (``RunStore/updateRun(_:)`` writes only
/// over the revision it read): a node's state change and the list of what it made ready are one
/// write, and a join is decided by exactly one writer.
public struct Run: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case queued, running, succeeded, failed, canceled

        public var isFinished: Bool { self == .succeeded || self == .failed || self == .canceled }
    }

    public struct NodeRun: Sendable, Codable, Equatable {
        public enum Status: String, Sendable, Codable, CaseIterable {
            /// Some predecessor has not ended yet.
            case waiting
            /// A message for its attempt is due (or is waiting out a retry's backoff).
            case queued, running, succeeded, failed
            /// Ran, and waits for a person to approve or reject (an `approval` node); no message
            /// is due and no worker holds it.
            case awaiting
            /// Never run: a predecessor did not succeed, or a condition took another branch.
            case skipped
            /// Never run or stopped: the run failed or was canceled first.
            case canceled

            public var isFinished: Bool { ![.waiting, .queued, .running, .awaiting].contains(self) }
        }

        public var status: Status
        /// The attempt queued or running now, 1 for the first; 0 before the node was queued.
        public var attempt: Int
        public var startedAt: Date?
        public var finishedAt: Date?
        public var error: String?
        /// What the node produced, when it succeeded.
        public var output: JSONValue?
        /// The branch a condition chose.
        public var branch: String?
        /// True when the node did not run in this run: a rerun kept what it did in the run before.
        public var reused: Bool?
        /// The run this node started and waits for (a `sub_workflow`).
        public var childRun: String?
        /// Where the output is kept when it is too large for the run (then `output` is nil).
        public var outputReference: OutputReference?

        public init(status: Status = .waiting, attempt: Int = 0, startedAt: Date? = nil, finishedAt: Date? = nil, error: String? = nil,
                    output: JSONValue? = nil, branch: String? = nil, reused: Bool? = nil, childRun: String? = nil) {
            self.status = status
            self.attempt = attempt
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.error = error
            self.output = output
            self.branch = branch
            self.reused = reused
            self.childRun = childRun
        }
    }

    /// A node's output kept apart from the run (``RunStore/runOutput(key:tenant:)``), being too large
    /// to live in it: its key, `<run>/<node>/<attempt>`, and its size as JSON.
    public struct OutputReference: Sendable, Codable, Equatable, Hashable {
        public var key: String
        public var bytes: Int

        public init(key: String, bytes: Int) {
            self.key = key
            self.bytes = bytes
        }
    }

    /// A node's attempt that is due: the message its actor gets. Its id is made of the run, the
    /// node and the attempt, so the same dispatch sent twice is one message.
    public struct Dispatch: Sendable, Codable, Equatable, Hashable {
        public var node: String
        public var attempt: Int
        /// Not to run before this time (a retry's backoff).
        public var notBefore: Date?

        public init(node: String, attempt: Int, notBefore: Date? = nil) {
            self.node = node
            self.attempt = attempt
            self.notBefore = notBefore
        }
    }

    /// Where a sub-workflow's run came from: the run and the node (its attempt) that started it,
    /// and how deeply it is nested (1 for a child of a run nobody started).
    public struct Parent: Sendable, Codable, Equatable {
        public var run: String
        public var node: String
        public var attempt: Int
        public var depth: Int

        public init(run: String, node: String, attempt: Int, depth: Int) {
            self.run = run
            self.node = node
            self.attempt = attempt
            self.depth = depth
        }
    }

    public var id: String
    public var tenant: String
    public var workflowId: String
    /// The version of the workflow this run runs.
    public var workflowVersion: Int
    public var status: Status
    public var nodes: [String: NodeRun]
    /// What started the run: the inputs given to `run`, a webhook's body; the trigger's output.
    public var inputs: JSONValue
    /// Dispatches written by the last changes and not yet known to be on the queue. Whoever
    /// wrote them sends them after the write and then removes them; a crash in between leaves
    /// them here for the redelivered message to send again (the queue drops the second copy).
    public var outbox: [Dispatch]
    /// 0 when created, one more with every write.
    public var revision: Int
    public var createdAt: Date
    /// The cron tick the scheduler emitted this run for; nil when it was started otherwise.
    public var scheduledFor: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Why the run failed, for a person.
    public var error: String?
    /// The run this one reruns, when it is a rerun.
    public var rerunOf: String?
    /// The run whose `sub_workflow` node started this one; nil for a run started otherwise.
    public var parent: Parent?
    /// True from the write that ended this child run until its parent is known to have been told
    /// (a `run_child_ended` message on the queue): like the outbox, what a crash in between
    /// leaves for the redelivered message to send.
    public var parentPending: Bool?

    public init(id: String, tenant: String, workflowId: String, workflowVersion: Int, status: Status = .queued, nodes: [String: NodeRun],
                inputs: JSONValue = .object([:]), outbox: [Dispatch] = [], revision: Int = 0, createdAt: Date = Date(),
                scheduledFor: Date? = nil, startedAt: Date? = nil, finishedAt: Date? = nil, error: String? = nil, rerunOf: String? = nil,
                parent: Parent? = nil, parentPending: Bool? = nil) {
        self.id = id
        self.tenant = tenant
        self.workflowId = workflowId
        self.workflowVersion = workflowVersion
        self.status = status
        self.nodes = nodes
        self.inputs = inputs
        self.outbox = outbox
        self.revision = revision
        self.createdAt = createdAt
        self.scheduledFor = scheduledFor
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.rerunOf = rerunOf
        self.parent = parent
        self.parentPending = parentPending
    }

    /// A queued run of `workflow`, every node waiting.
    public init(id: String, workflow: Workflow, inputs: JSONValue = .object([:]), createdAt: Date = Date(), scheduledFor: Date? = nil) {
        self.init(id: id, tenant: workflow.tenant, workflowId: workflow.id, workflowVersion: workflow.version,
                  nodes: Dictionary(uniqueKeysWithValues: workflow.nodes.map { ($0.id, NodeRun()) }), inputs: inputs, createdAt: createdAt,
                  scheduledFor: scheduledFor)
    }

    /// A queued run of `workflow` that picks up where `previous` (a run of `ran`) ended: each node
    /// that succeeded there keeps its output and does not run again, provided `workflow` defines
    /// it as `ran` did (same type, config and settings, same incoming edges) and every node it
    /// waits for is kept too; so nothing kept was computed from inputs that changed. The rest
    /// wait, as in a new run. The inputs are `previous`'s.
    public init(id: String, rerunning previous: Run, ran: Workflow, on workflow: Workflow, createdAt: Date = Date()) {
        self.init(id: id, workflow: workflow, inputs: previous.inputs, createdAt: createdAt)
        rerunOf = previous.id
        let order = (try? workflow.validate()) ?? workflow.nodes.map(\.id)
        for id in order {
            guard let before = previous.nodes[id], before.status == .succeeded, let node = workflow.node(id), ran.node(id) == node,
                  Set(ran.incoming(id)) == Set(workflow.incoming(id)),
                  workflow.predecessors(of: id).allSatisfy({ nodes[$0]?.status == .succeeded }) else { continue }
            var kept = before
            kept.reused = true
            nodes[id] = kept
        }
    }

    /// The nodes a rerun keeps from the run before.
    public var reusedNodes: [String] { nodes.filter { $0.value.reused == true }.map(\.key).sorted() }

    /// The id of the message that carries `dispatch` of this run.
    public func messageID(_ dispatch: Dispatch) -> String { "\(id):\(dispatch.node):\(dispatch.attempt)" }
}

// The run's course (DESIGN.md §5), pure: the caller writes the run, then sends its outbox.
extension Run {
    /// `run_start`: the nodes without predecessors are queued. False when the run has already
    /// started or ended.
    @discardableResult
    public mutating func start(_ workflow: Workflow, at date: Date = Date()) -> Bool {
        guard status == .queued else { return false }
        status = .running
        startedAt = date
        advance(workflow, at: date)
        return true
    }

    /// A message for `node`'s `attempt` arrived: true when it is the node's current attempt and
    /// may run (the node is now `running`), false for a message to drop (a duplicate, an attempt
    /// already over, a run that ended). A message whose attempt is already `running` is its own
    /// redelivery after its worker died, and runs again.
    public mutating func claim(_ node: String, attempt: Int, at date: Date = Date()) -> Bool {
        guard status == .running, var state = nodes[node], state.attempt == attempt,
              state.status == .queued || state.status == .running else { return false }
        state.status = .running
        state.startedAt = state.startedAt ?? date
        nodes[node] = state
        return true
    }

    /// Whether `node`'s `attempt` is still the one to run (a worker asks while it runs, to stop
    /// early when the run was canceled or the attempt given up).
    public func isCurrent(_ node: String, attempt: Int) -> Bool {
        status == .running && nodes[node]?.attempt == attempt && nodes[node]?.status == .running
    }

    /// `node`'s `attempt` succeeded with `output`, or with its output kept apart under `reference`
    /// (a condition also names its `branch`): the nodes this makes ready are queued, those it
    /// rules out skipped. False when the report is stale (another attempt, a run that ended).
    @discardableResult
    public mutating func succeed(_ node: String, attempt: Int, output: JSONValue, reference: OutputReference? = nil, branch: String? = nil,
                                 in workflow: Workflow, at date: Date = Date()) -> Bool {
        guard isCurrent(node, attempt: attempt) else { return false }
        nodes[node]?.status = .succeeded
        nodes[node]?.finishedAt = date
        nodes[node]?.error = nil
        nodes[node]?.output = reference == nil ? output : nil
        nodes[node]?.outputReference = reference
        nodes[node]?.branch = branch
        advance(workflow, at: date)
        return true
    }

    /// `node`'s `attempt` ran and now waits, holding no worker: for a person's decision
    /// (``decide(_:approved:output:in:at:)``) or for the run it started to end
    /// (``childEnded(_:attempt:child:output:reference:error:retryable:in:at:)``), keeping `output` (what the person
    /// is asked) and the `childRun` meanwhile. False when the report is stale.
    @discardableResult
    public mutating func suspend(_ node: String, attempt: Int, output: JSONValue?, childRun: String? = nil) -> Bool {
        guard isCurrent(node, attempt: attempt) else { return false }
        nodes[node]?.status = .awaiting
        nodes[node]?.output = output
        nodes[node]?.childRun = childRun
        return true
    }

    /// A person decided on `node`, which awaits: it succeeds with `output`, on the branch
    /// `approved` or `rejected`, and the run goes on. False when the node does not await (never
    /// asked, decided already, or the run ended).
    @discardableResult
    public mutating func decide(_ node: String, approved: Bool, output: JSONValue, in workflow: Workflow, at date: Date = Date()) -> Bool {
        guard status == .running, nodes[node]?.status == .awaiting else { return false }
        nodes[node]?.status = .succeeded
        nodes[node]?.finishedAt = date
        nodes[node]?.output = output
        nodes[node]?.branch = approved ? "approved" : "rejected"
        advance(workflow, at: date)
        return true
    }

    /// The run that `node`'s `attempt` started (a `sub_workflow`) ended: the node succeeds with
    /// `output` (or its `reference`), or, given an `error`, fails as an attempt does (retried when its policy allows
    /// and `retryable`). False when the node's attempt is no longer the one waiting for it (a
    /// report sent twice, another attempt, a run that ended); it may still be `running`, when
    /// the child ended before the wait was written.
    @discardableResult
    public mutating func childEnded(_ node: String, attempt: Int, child: String, output: JSONValue?, reference: OutputReference? = nil,
                                    error message: String?, retryable: Bool, in workflow: Workflow, at date: Date = Date()) -> Bool {
        guard status == .running, let state = nodes[node], state.attempt == attempt, state.status == .running || state.status == .awaiting
        else { return false }
        nodes[node]?.status = .running
        nodes[node]?.childRun = child
        if let message { return fail(node, attempt: attempt, error: message, retryable: retryable, in: workflow, at: date) }
        return succeed(node, attempt: attempt, output: output ?? .null, reference: reference, in: workflow, at: date)
    }

    /// `node`'s `attempt` failed. With attempts left (and `retryable`), the next attempt is
    /// queued after the policy's backoff; otherwise the node fails, and so does the run unless
    /// the node continues on error. False when the report is stale.
    @discardableResult
    public mutating func fail(_ node: String, attempt: Int, error message: String, retryable: Bool = true, in workflow: Workflow,
                              at date: Date = Date()) -> Bool {
        guard isCurrent(node, attempt: attempt), let definition = workflow.node(node) else { return false }
        if retryable, let policy = definition.retry, attempt < policy.maxAttempts {
            nodes[node]?.status = .queued
            nodes[node]?.attempt = attempt + 1
            nodes[node]?.error = message
            outbox.append(Dispatch(node: node, attempt: attempt + 1, notBefore: date.addingTimeInterval(policy.delay(afterAttempt: attempt))))
            return true
        }
        nodes[node]?.status = .failed
        nodes[node]?.finishedAt = date
        nodes[node]?.error = message
        if definition.continueOnError == true {
            advance(workflow, at: date)
        } else {
            finish(.failed, error: "node '\(node)' failed: \(message)", at: date)
        }
        return true
    }

    /// Canceled by a person: nodes not begun never run, running ones are told to stop.
    @discardableResult
    public mutating func cancel(at date: Date = Date()) -> Bool {
        guard !status.isFinished else { return false }
        finish(.canceled, error: nil, at: date)
        return true
    }

    /// The run cannot go on for a reason outside its nodes (its `run_start` could not be queued,
    /// its workflow version is gone): it fails with `reason`, and no node runs.
    @discardableResult
    public mutating func abandon(_ reason: String, at date: Date = Date()) -> Bool {
        guard !status.isFinished else { return false }
        finish(.failed, error: reason, at: date)
        return true
    }

    /// The dispatches now known to be on the queue leave the outbox.
    public mutating func sent(_ dispatches: [Dispatch]) {
        outbox.removeAll { dispatches.contains($0) }
    }

    private mutating func finish(_ outcome: Status, error: String?, at date: Date) {
        status = outcome
        self.error = error
        finishedAt = date
        outbox = []
        if parent != nil { parentPending = true }
        for (id, state) in nodes where !state.status.isFinished {
            nodes[id]?.status = .canceled
            nodes[id]?.finishedAt = date
        }
    }

    /// Decides every waiting node whose predecessors allow it (queued, or skipped; a skip can
    /// make another node's decision, so until nothing changes), then ends the run when every
    /// node has ended.
    private mutating func advance(_ workflow: Workflow, at date: Date) {
        var changed = true
        while changed {
            changed = false
            for node in workflow.nodes where nodes[node.id]?.status == .waiting {
                switch decision(for: node, in: workflow) {
                case .wait: continue
                case .run:
                    nodes[node.id]?.status = .queued
                    nodes[node.id]?.attempt = 1
                    outbox.append(Dispatch(node: node.id, attempt: 1))
                case .skip:
                    nodes[node.id]?.status = .skipped
                    nodes[node.id]?.finishedAt = date
                }
                changed = true
            }
        }
        if nodes.values.allSatisfy({ $0.status.isFinished }) {
            status = .succeeded
            finishedAt = date
            if parent != nil { parentPending = true }
        }
    }

    private enum Decision { case wait, run, skip }

    /// What a waiting node's predecessors say, by its join mode.
    private func decision(for node: Workflow.Node, in workflow: Workflow) -> Decision {
        let incoming = workflow.incoming(node.id)
        guard !incoming.isEmpty else { return .run }
        var pending = 0, taken = 0, failed = 0, passed = 0
        for edge in incoming {
            guard let from = nodes[edge.from] else { passed += 1; continue }
            switch from.status {
            case .waiting, .queued, .running, .awaiting: pending += 1
            case .succeeded: if edge.branch == nil || edge.branch == from.branch { taken += 1 } else { passed += 1 }
            case .failed: failed += 1
            case .skipped, .canceled: passed += 1
            }
        }
        switch node.join ?? .all {
        case .all:
            if failed + passed > 0 { return .skip }
            return pending == 0 ? .run : .wait
        case .any:
            if taken > 0 { return .run }
            return pending == 0 ? .skip : .wait
        case .allSettled:
            if pending > 0 { return .wait }
            return taken + failed > 0 ? .run : .skip
        }
    }
}
