import Foundation

/// One run of a workflow (DESIGN.md §4–5): its status and each node's. `revision` counts the
/// writes, so that two workers finishing nodes at once cannot undo each other
/// (``RunStore/updateRun(_:)`` writes only over the revision it read), and a node waiting for
/// several others is started exactly once.
public struct Run: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case queued, running, succeeded, failed, canceled

        public var isFinished: Bool { self == .succeeded || self == .failed || self == .canceled }
    }

    public struct NodeRun: Sendable, Codable, Equatable {
        public enum Status: String, Sendable, Codable, CaseIterable {
            /// Some predecessor has not succeeded yet.
            case waiting
            /// Enqueued for its actor.
            case queued, running, succeeded, failed
            /// Never run: the run failed or was canceled first.
            case canceled
        }

        public var status: Status
        /// Times an actor began it (retries included).
        public var attempts: Int
        public var startedAt: Date?
        public var finishedAt: Date?
        public var error: String?

        public init(status: Status = .waiting, attempts: Int = 0, startedAt: Date? = nil, finishedAt: Date? = nil, error: String? = nil) {
            self.status = status
            self.attempts = attempts
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.error = error
        }
    }

    public var id: String
    public var tenant: String
    public var workflowId: String
    /// The version of the workflow this run runs.
    public var workflowVersion: Int
    public var status: Status
    public var nodes: [String: NodeRun]
    /// 0 when created, one more with every write.
    public var revision: Int
    public var createdAt: Date
    /// The cron tick the scheduler emitted this run for; nil when it was started by hand.
    public var scheduledFor: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Why the run failed, for a person.
    public var error: String?

    public init(id: String, tenant: String, workflowId: String, workflowVersion: Int, status: Status = .queued, nodes: [String: NodeRun],
                revision: Int = 0, createdAt: Date = Date(), scheduledFor: Date? = nil, startedAt: Date? = nil, finishedAt: Date? = nil,
                error: String? = nil) {
        self.id = id
        self.tenant = tenant
        self.workflowId = workflowId
        self.workflowVersion = workflowVersion
        self.status = status
        self.nodes = nodes
        self.revision = revision
        self.createdAt = createdAt
        self.scheduledFor = scheduledFor
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
    }

    /// A queued run of `workflow`, every node waiting.
    public init(id: String, workflow: Workflow, createdAt: Date = Date(), scheduledFor: Date? = nil) {
        self.init(id: id, tenant: workflow.tenant, workflowId: workflow.id, workflowVersion: workflow.version,
                  nodes: Dictionary(uniqueKeysWithValues: workflow.nodes.map { ($0.id, NodeRun()) }), createdAt: createdAt,
                  scheduledFor: scheduledFor)
    }
}

// The run's course (DESIGN.md §5), pure: the caller enqueues the nodes returned and writes the run.
extension Run {
    /// `run_start`: the nodes without predecessors are queued, and returned. Nothing when the run
    /// has already started or ended.
    public mutating func start(_ workflow: Workflow, at date: Date = Date()) -> [String] {
        guard status == .queued else { return [] }
        status = .running
        startedAt = date
        return queueReady(workflow)
    }

    /// An actor began `node` (again, on a retry).
    public mutating func nodeStarted(_ node: String, at date: Date = Date()) {
        guard !status.isFinished, var state = nodes[node] else { return }
        state.status = .running
        state.attempts += 1
        state.startedAt = state.startedAt ?? date
        nodes[node] = state
    }

    /// `node` succeeded: the nodes that now have every predecessor done are queued and returned.
    /// Each node is returned once only, however many predecessors finish at the same time,
    /// since only a `waiting` node can become `queued`. When every node has succeeded, so has the run.
    public mutating func nodeSucceeded(_ node: String, in workflow: Workflow, at date: Date = Date()) -> [String] {
        guard !status.isFinished, var state = nodes[node], state.status != .succeeded else { return [] }
        state.status = .succeeded
        state.finishedAt = date
        state.error = nil
        nodes[node] = state
        let ready = queueReady(workflow)
        if nodes.values.allSatisfy({ $0.status == .succeeded }) {
            status = .succeeded
            finishedAt = date
        }
        return ready
    }

    /// `node` failed with its retries spent: the run fails, and nodes not begun are canceled.
    public mutating func nodeFailed(_ node: String, error: String, at date: Date = Date()) {
        guard !status.isFinished, var state = nodes[node] else { return }
        state.status = .failed
        state.finishedAt = date
        state.error = error
        nodes[node] = state
        finish(.failed, error: "node '\(node)' failed: \(error)", at: date)
    }

    /// Canceled by a person: nodes not begun never run; running ones finish unheeded.
    public mutating func cancel(at date: Date = Date()) {
        guard !status.isFinished else { return }
        finish(.canceled, error: nil, at: date)
    }

    private mutating func finish(_ outcome: Status, error: String?, at date: Date) {
        status = outcome
        self.error = error
        finishedAt = date
        for (id, state) in nodes where state.status == .waiting || state.status == .queued {
            nodes[id]?.status = .canceled
        }
    }

    /// Queues every waiting node whose predecessors have all succeeded; returns them in the
    /// workflow's order of nodes.
    private mutating func queueReady(_ workflow: Workflow) -> [String] {
        var ready: [String] = []
        for node in workflow.nodes where nodes[node.id]?.status == .waiting {
            if workflow.predecessors(of: node.id).allSatisfy({ nodes[$0]?.status == .succeeded }) {
                nodes[node.id]?.status = .queued
                ready.append(node.id)
            }
        }
        return ready
    }
}
