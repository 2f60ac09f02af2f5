import Foundation

/// One run of a workflow (DESIGN.md §4–5): its status, each node's state and output, and the
/// messages its last change made due (``outbox``). Every change goes through a ``RunDraft``
/// that a store applies atomically (``RunStore/modifyRun(_:tenant:_:)``): a node's state change
/// and the list of what it made ready are one write, and a join is decided by exactly one
/// writer. `revision` counts the writes.
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
        /// How the edges into this node have ended so far; nil while none has. What its join
        /// decides from, so that deciding never reads the nodes before it.
        public var tally: Tally?

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

    /// The edges into a node that have ended, by how: `taken` (the node before succeeded, on this
    /// edge's branch if it names one), `failed` (it failed), `passed` (skipped, canceled, or it took
    /// another branch). The rest are pending.
    public struct Tally: Sendable, Codable, Equatable {
        public var taken = 0
        public var failed = 0
        public var passed = 0

        public init(taken: Int = 0, failed: Int = 0, passed: Int = 0) {
            self.taken = taken
            self.failed = failed
            self.passed = passed
        }

        public var ended: Int { taken + failed + passed }
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
    /// Every node's state, when read whole (``RunStore/run(_:tenant:nodes:)``); inside a
    /// ``RunDraft``, only those the change has read.
    public var nodes: [String: NodeRun]
    /// How many nodes have not ended: the run succeeds when the last one does.
    public var openNodes: Int
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
        self.openNodes = nodes.values.count { !$0.status.isFinished }
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
            kept.tally = nil
            nodes[id] = kept
        }
        openNodes = nodes.values.count { !$0.status.isFinished }
    }

    /// The nodes a rerun keeps from the run before.
    public var reusedNodes: [String] { nodes.filter { $0.value.reused == true }.map(\.key).sorted() }

    /// The id of the message that carries `dispatch` of this run.
    public func messageID(_ dispatch: Dispatch) -> String { "\(id):\(dispatch.node):\(dispatch.attempt)" }

    /// Whether a message for `node`'s `attempt` may run it: the run goes on and the attempt is
    /// the node's current one, queued or (its message delivered again after a worker died) running.
    public func mayRun(_ node: String, attempt: Int) -> Bool {
        guard status == .running, let state = nodes[node], state.attempt == attempt else { return false }
        return state.status == .queued || state.status == .running
    }
}

