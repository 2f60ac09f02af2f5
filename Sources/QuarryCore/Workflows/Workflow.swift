import Foundation

/// A workflow (DESIGN.md §4): nodes, each run by the actor its `type` names, and edges that say
/// which node waits for which. Versioned: every change is a new version, and a run records the
/// version it ran.
public struct Workflow: Sendable, Codable, Equatable {
    public var id: String
    public var tenant: String
    public var name: String
    public var nodes: [Node]
    public var edges: [Edge]
    /// A cron expression for the scheduler; nil: runs only when asked.
    public var schedule: String?
    /// Where the builder UI draws each node, by node id; runs never read it.
    public var layout: [String: Position]?
    /// 1 when created, one more with every change.
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, tenant: String, name: String, nodes: [Node], edges: [Edge], schedule: String? = nil,
                layout: [String: Position]? = nil, version: Int = 1, createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.nodes = nodes
        self.edges = edges
        self.schedule = schedule
        self.layout = layout
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public struct Node: Sendable, Codable, Equatable {
        public var id: String
        /// The node type that runs the node, e.g. `rag_query` or a connector's (Docs/WORKFLOWS.md).
        public var type: String
        /// The node's settings, as its type reads them; strings may hold `{{ … }}` templates.
        public var config: [String: JSONValue]
        /// How often, and how far apart, a failing node is tried; nil: once.
        public var retry: RetryPolicy?
        /// How long one attempt may take, in seconds; nil: the node type's default.
        public var timeoutSeconds: Double?
        /// When true, the node's failure (its retries spent) does not fail the run: the node ends
        /// `failed`, and its successors take it as a predecessor that did not succeed.
        public var continueOnError: Bool?
        /// How the node waits for its predecessors; nil: ``JoinMode/all``.
        public var join: JoinMode?

        public init(id: String, type: String, config: [String: JSONValue] = [:], retry: RetryPolicy? = nil, timeoutSeconds: Double? = nil,
                    continueOnError: Bool? = nil, join: JoinMode? = nil) {
            self.id = id
            self.type = type
            self.config = config
            self.retry = retry
            self.timeoutSeconds = timeoutSeconds
            self.continueOnError = continueOnError
            self.join = join
        }
    }

    /// `to` waits for `from`. With a `branch`, the edge is taken only when `from` (a condition)
    /// chose that branch; an edge not taken counts as a skipped predecessor.
    public struct Edge: Sendable, Codable, Equatable, Hashable {
        public var from: String
        public var to: String
        public var branch: String?

        public init(from: String, to: String, branch: String? = nil) {
            self.from = from
            self.to = to
            self.branch = branch
        }
    }

    /// A node's place on the builder's canvas, in its units.
    public struct Position: Sendable, Codable, Equatable {
        public var x: Double
        public var y: Double

        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// When a node with several predecessors starts.
    public enum JoinMode: String, Sendable, Codable, CaseIterable {
        /// Once every predecessor succeeded (and its edge was taken); skipped as soon as one did not.
        case all
        /// Once the first predecessor succeeded; skipped when none did.
        case any
        /// Once every predecessor ended, succeeded or failed; skipped when every one was skipped.
        case allSettled = "all_settled"
    }

    /// Attempts and the wait between them: `backoffSeconds · 2^(attempt − 1)`, at most
    /// `maxBackoffSeconds`. No cap on attempts beyond what the workflow says.
    public struct RetryPolicy: Sendable, Codable, Equatable {
        /// Attempts in all, the first included (1: no retry).
        public var maxAttempts: Int
        public var backoffSeconds: Double
        public var maxBackoffSeconds: Double

        public init(maxAttempts: Int, backoffSeconds: Double = 1, maxBackoffSeconds: Double = 300) {
            self.maxAttempts = maxAttempts
            self.backoffSeconds = backoffSeconds
            self.maxBackoffSeconds = maxBackoffSeconds
        }

        /// The wait before attempt `attempt + 1`.
        public func delay(afterAttempt attempt: Int) -> Double {
            min(backoffSeconds * Double(1 << min(max(attempt - 1, 0), 40)), maxBackoffSeconds)
        }
    }

    /// The ids of the nodes `node` waits for.
    public func predecessors(of node: String) -> [String] { edges.filter { $0.to == node }.map(\.from) }

    /// The edges into `node`.
    public func incoming(_ node: String) -> [Edge] { edges.filter { $0.to == node } }

    public func node(_ id: String) -> Node? { nodes.first { $0.id == id } }

    /// The ids of the nodes that wait for `node`.
    public func successors(of node: String) -> [String] { edges.filter { $0.from == node }.map(\.to) }
}

/// Why a workflow's graph cannot run.
public enum WorkflowError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case duplicateNode(String)
    case unknownNode(String)
    case selfEdge(String)
    case cycle([String])
    case schedule(CronError)

    public var description: String {
        switch self {
        case .empty: "a workflow needs at least one node"
        case .duplicateNode(let id): "two nodes are named '\(id)'"
        case .unknownNode(let id): "an edge names '\(id)', which is no node"
        case .selfEdge(let id): "node '\(id)' waits for itself"
        case .cycle(let ids): "the nodes \(ids.map { "'\($0)'" }.joined(separator: ", ")) wait for each other in a cycle"
        case .schedule(let error): error.description
        }
    }
}

extension Workflow {
    /// Checks that the workflow can run (nodes unique, edges between nodes, no cycle, a schedule
    /// that reads) and returns the node ids in an order where every node follows its predecessors.
    @discardableResult
    public func validate() throws(WorkflowError) -> [String] {
        guard !nodes.isEmpty else { throw .empty }
        if let schedule {
            do { _ = try CronSchedule(schedule) } catch { throw .schedule(error) }
        }
        var ids: Set<String> = []
        for node in nodes where !ids.insert(node.id).inserted { throw .duplicateNode(node.id) }
        for edge in edges {
            for end in [edge.from, edge.to] where !ids.contains(end) { throw .unknownNode(end) }
            if edge.from == edge.to { throw .selfEdge(edge.from) }
        }
        // Kahn's algorithm, in the nodes' own order where the graph leaves a choice.
        var seen: Set<Edge> = []
        let unique = edges.filter { seen.insert($0).inserted }  // in their own order: the result is deterministic
        var waiting = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, 0) })
        for edge in unique { waiting[edge.to, default: 0] += 1 }
        var ready = nodes.map(\.id).filter { waiting[$0] == 0 }
        var order: [String] = []
        while !ready.isEmpty {
            let node = ready.removeFirst()
            order.append(node)
            for edge in unique where edge.from == node {
                waiting[edge.to, default: 0] -= 1
                if waiting[edge.to] == 0 { ready.append(edge.to) }
            }
        }
        guard order.count == nodes.count else { throw .cycle(nodes.map(\.id).filter { !order.contains($0) }) }
        return order
    }
}
