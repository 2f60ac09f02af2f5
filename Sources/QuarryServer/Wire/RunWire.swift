import Foundation
import Hummingbird
import QuarryCore
import QuarryWorkflow

/// A run as clients follow it: status, the version it runs, and each node's state, attempt,
/// timings, error and output (left out of lists).
struct RunBody: ResponseEncodable {
    let id: String
    let workflowId: String
    let workflowVersion: Int
    let status: Run.Status
    let error: String?
    let rerunOf: String?
    let parentRun: String?
    let parentNode: String?
    let inputs: JSONValue?
    let nodes: [NodeStateBody]?
    let createdAt: Date
    let scheduledFor: Date?
    let startedAt: Date?
    let finishedAt: Date?
    let durationMs: Double?
    let statusUrl: String
    let logsUrl: String

    enum CodingKeys: String, CodingKey {
        case id, workflowId = "workflow_id", workflowVersion = "workflow_version", status, error, rerunOf = "rerun_of", inputs, nodes
        case parentRun = "parent_run", parentNode = "parent_node"
        case createdAt = "created_at", scheduledFor = "scheduled_for", startedAt = "started_at", finishedAt = "finished_at"
        case durationMs = "duration_ms", statusUrl = "status_url", logsUrl = "logs_url"
    }

    /// With `workflow` (the version the run pinned), the nodes in the workflow's order, with their types.
    init(_ run: Run, workflow: Workflow?, detailed: Bool = true) {
        id = run.id
        workflowId = run.workflowId
        workflowVersion = run.workflowVersion
        status = run.status
        error = run.error
        rerunOf = run.rerunOf
        parentRun = run.parent?.run
        parentNode = run.parent?.node
        inputs = detailed ? run.inputs : nil
        if detailed {
            let order = workflow?.nodes.map(\.id) ?? run.nodes.keys.sorted()
            let types = Dictionary(workflow?.nodes.map { ($0.id, $0.type) } ?? [], uniquingKeysWith: { first, _ in first })
            nodes = order.compactMap { id in run.nodes[id].map { NodeStateBody(id: id, type: types[id], state: $0, run: run.id) } }
        } else {
            nodes = nil
        }
        createdAt = run.createdAt
        scheduledFor = run.scheduledFor
        startedAt = run.startedAt
        finishedAt = run.finishedAt
        durationMs = milliseconds(from: run.startedAt, to: run.finishedAt)
        statusUrl = "/api/v1/runs/\(run.id)"
        logsUrl = "/api/v1/runs/\(run.id)/logs"
    }
}

struct NodeStateBody: Encodable {
    let id: String
    let type: String?
    let status: Run.NodeRun.Status
    let attempt: Int
    let startedAt: Date?
    let finishedAt: Date?
    let error: String?
    let durationMs: Double?
    let output: JSONValue?
    let branch: String?
    let reused: Bool?
    let childRun: String?
    let outputRef: OutputReferenceBody?

    enum CodingKeys: String, CodingKey {
        case id, type, status, attempt, startedAt = "started_at", finishedAt = "finished_at", durationMs = "duration_ms", error, output, branch, reused
        case childRun = "child_run", outputRef = "output_ref"
    }

    /// An output kept apart from the run: its size, and where to read it.
    struct OutputReferenceBody: Encodable {
        let bytes: Int
        let url: String
    }

    init(id: String, type: String?, state: Run.NodeRun, run: String) {
        self.id = id
        self.type = type
        status = state.status
        attempt = state.attempt
        startedAt = state.startedAt
        finishedAt = state.finishedAt
        durationMs = milliseconds(from: state.startedAt, to: state.finishedAt)
        error = state.error
        output = state.output
        branch = state.branch
        reused = state.reused
        childRun = state.childRun
        outputRef = state.outputReference.map { OutputReferenceBody(bytes: $0.bytes, url: "/api/v1/runs/\(run)/nodes/\(id)/output") }
    }
}

/// `GET /api/v1/runs/{id}/nodes/{node}/output`: a node's whole output, wherever it is kept.
struct NodeOutputBody: ResponseEncodable {
    let node: String
    let output: JSONValue
}

struct RunList: ResponseEncodable {
    let runs: [RunBody]
    let limit: Int
    let offset: Int
}

/// A page of a run's log; `next_after` is the cursor for the next page (the last line's id).
struct RunLogList: ResponseEncodable {
    let logs: [RunLogBody]
    let nextAfter: String?

    enum CodingKeys: String, CodingKey { case logs, nextAfter = "next_after" }
}

struct RunLogBody: Encodable {
    let id: String
    let node: String?
    let time: Date
    let level: RunLog.Level
    let message: String
    let data: JSONValue?

    init(_ entry: RunLog) {
        id = entry.id
        node = entry.node
        time = entry.time
        level = entry.level
        message = entry.message
        data = entry.data
    }
}

/// Milliseconds between two times, to the microsecond (the dates beside it are written to the second).
func milliseconds(from start: Date?, to end: Date?) -> Double? {
    guard let start, let end else { return nil }
    return (end.timeIntervalSince(start) * 1_000_000).rounded() / 1000
}

/// `POST /api/v1/runs/{id}/rerun`: from the failed nodes (default) or the start, on the pinned
/// version (default) or the latest.
struct RerunRequestBody: Decodable {
    var from: WorkflowEngine.RerunStart = .failed
    var version: WorkflowEngine.RerunVersion = .pinned

    enum CodingKeys: String, CodingKey, CaseIterable { case from, version }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        from = try container.decodeChoice(WorkflowEngine.RerunStart.self, forKey: .from) ?? .failed
        version = try container.decodeChoice(WorkflowEngine.RerunVersion.self, forKey: .version) ?? .pinned
    }

    init() {}
}

/// `POST /api/v1/runs/{id}/nodes/{node}/approve` and `/reject`: an optional comment for the run's log and the node's output.
struct DecisionRequestBody: Decodable {
    var comment: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case comment }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        comment = try container.decodeOptional(String.self, forKey: .comment)
        if let comment, comment.unicodeScalars.count > 2000 { throw InvalidField("/comment", "comment takes at most 2000 characters") }
    }

    init() {}
}
