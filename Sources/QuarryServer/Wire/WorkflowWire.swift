import Foundation
import Hummingbird
import QuarryCore
import QuarryWorkflow

/// A workflow as clients write and read it. The body `GET /api/v1/workflows/{id}` answers is
/// also a body `POST /api/v1/workflows` takes (export and import); the read-only fields
/// (`version`, `created_at`, `updated_at`) are then ignored, and `version` in a `PUT` body is the
/// version the change was made over (409 when another came first).
struct WorkflowBody: ResponseEncodable, Decodable {
    let id: String?
    let name: String
    let nodes: [NodeBody]
    let edges: [EdgeBody]
    let schedule: String?
    /// Where the builder draws each node; kept with the version, never read by a run.
    let layout: [String: PositionBody]?
    let version: Int?
    let createdAt: Date?
    let updatedAt: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, name, nodes, edges, schedule, layout, version, createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ workflow: Workflow) {
        id = workflow.id
        name = workflow.name
        nodes = workflow.nodes.map(NodeBody.init)
        edges = workflow.edges.map(EdgeBody.init)
        schedule = workflow.schedule
        layout = workflow.layout?.mapValues(PositionBody.init)
        version = workflow.version
        createdAt = workflow.createdAt
        updatedAt = workflow.updatedAt
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeOptional(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        nodes = try container.decode([NodeBody].self, forKey: .nodes)
        edges = try container.decodeOptional([EdgeBody].self, forKey: .edges) ?? []
        // null: no schedule (an exported workflow without one says so).
        if container.contains(.schedule), try container.decodeNil(forKey: .schedule) {
            schedule = nil
        } else {
            schedule = try container.decodeOptional(String.self, forKey: .schedule)
        }
        layout = try container.decodeOptional([String: PositionBody].self, forKey: .layout)
        version = try container.decodeOptional(Int.self, forKey: .version)
        // Read-only: taken from an export as they are, checked only to be times.
        for key in [CodingKeys.createdAt, .updatedAt] {
            guard let text = try container.decodeOptional(String.self, forKey: key) else { continue }
            if ISO8601DateFormatter().date(from: text) == nil {
                throw RequestError.malformed("/\(key.rawValue) must be a date-time like 2026-01-31T12:00:00Z", field: "/\(key.rawValue)")
            }
        }
        createdAt = nil
        updatedAt = nil
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(nodes, forKey: .nodes)
        try container.encode(edges, forKey: .edges)
        try container.encode(schedule, forKey: .schedule)  // null when none, so an export says so
        try container.encodeIfPresent(layout, forKey: .layout)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    /// Places of nodes the workflow no longer has are dropped.
    func workflow(id: String, tenant: String) -> Workflow {
        let ids = Set(nodes.map(\.id))
        return Workflow(id: id, tenant: tenant, name: name, nodes: nodes.map(\.node), edges: edges.map(\.edge), schedule: schedule,
                        layout: layout?.filter { ids.contains($0.key) }.mapValues(\.position))
    }
}

/// A node's place on the builder's canvas: `{"x": …, "y": …}`.
struct PositionBody: Codable {
    let x: Double
    let y: Double

    enum CodingKeys: String, CodingKey, CaseIterable { case x, y }

    init(_ position: Workflow.Position) {
        x = position.x
        y = position.y
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        x = try container.decode(Double.self, forKey: .x)
        y = try container.decode(Double.self, forKey: .y)
    }

    var position: Workflow.Position { Workflow.Position(x: x, y: y) }
}

struct NodeBody: Codable {
    let id: String
    let type: String
    let config: [String: JSONValue]
    let retry: RetryBody?
    let timeoutSeconds: Double?
    let continueOnError: Bool?
    let join: Workflow.JoinMode?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, type, config, retry, timeoutSeconds = "timeout_seconds", continueOnError = "continue_on_error", join
    }

    init(_ node: Workflow.Node) {
        id = node.id
        type = node.type
        config = node.config
        retry = node.retry.map(RetryBody.init)
        timeoutSeconds = node.timeoutSeconds
        continueOnError = node.continueOnError
        join = node.join
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        config = try container.decodeOptional([String: JSONValue].self, forKey: .config) ?? [:]
        retry = try container.decodeOptional(RetryBody.self, forKey: .retry)
        timeoutSeconds = try container.decodeOptional(Double.self, forKey: .timeoutSeconds)
        continueOnError = try container.decodeOptional(Bool.self, forKey: .continueOnError)
        join = try container.decodeChoice(Workflow.JoinMode.self, forKey: .join)
    }

    var node: Workflow.Node {
        Workflow.Node(id: id, type: type, config: config, retry: retry?.policy, timeoutSeconds: timeoutSeconds,
                      continueOnError: continueOnError, join: join)
    }
}

struct RetryBody: Codable {
    let maxAttempts: Int
    let backoffSeconds: Double?
    let maxBackoffSeconds: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxAttempts = "max_attempts", backoffSeconds = "backoff_seconds", maxBackoffSeconds = "max_backoff_seconds"
    }

    init(_ policy: Workflow.RetryPolicy) {
        maxAttempts = policy.maxAttempts
        backoffSeconds = policy.backoffSeconds
        maxBackoffSeconds = policy.maxBackoffSeconds
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxAttempts = try container.decode(Int.self, forKey: .maxAttempts)
        backoffSeconds = try container.decodeOptional(Double.self, forKey: .backoffSeconds)
        maxBackoffSeconds = try container.decodeOptional(Double.self, forKey: .maxBackoffSeconds)
    }

    var policy: Workflow.RetryPolicy {
        let defaults = Workflow.RetryPolicy(maxAttempts: maxAttempts)
        return Workflow.RetryPolicy(maxAttempts: maxAttempts, backoffSeconds: backoffSeconds ?? defaults.backoffSeconds,
                                    maxBackoffSeconds: maxBackoffSeconds ?? defaults.maxBackoffSeconds)
    }
}

struct EdgeBody: Codable {
    let from: String
    let to: String
    let branch: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case from, to, branch }

    init(_ edge: Workflow.Edge) {
        from = edge.from
        to = edge.to
        branch = edge.branch
    }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        from = try container.decode(String.self, forKey: .from)
        to = try container.decode(String.self, forKey: .to)
        branch = try container.decodeOptional(String.self, forKey: .branch)
    }

    var edge: Workflow.Edge { Workflow.Edge(from: from, to: to, branch: branch) }
}

struct WorkflowList: ResponseEncodable {
    let workflows: [WorkflowBody]
    let limit: Int
    let offset: Int
}

struct WorkflowVersionList: ResponseEncodable {
    let versions: [WorkflowBody]
    let limit: Int
    let offset: Int
}

/// `POST /api/v1/workflows/{id}/run`'s body: `{"inputs": {…}}`, or nothing.
struct RunRequestBody: Decodable {
    let inputs: JSONValue

    enum CodingKeys: String, CodingKey, CaseIterable { case inputs }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputs = try container.decodeOptional([String: JSONValue].self, forKey: .inputs).map(JSONValue.object) ?? .object([:])
    }

    init() { inputs = .object([:]) }
}

/// A node type as the builder sees it (`GET /api/v1/node-types`).
struct NodeTypeBody: ResponseEncodable {
    let name: String
    let queue: String
    let summary: String
    let configSchema: JSONValue
    let outputSchema: JSONValue

    enum CodingKeys: String, CodingKey { case name, queue, summary, configSchema = "config_schema", outputSchema = "output_schema" }

    init(_ type: any NodeType) {
        name = type.name
        queue = type.queue
        summary = type.summary
        configSchema = type.configSchema
        outputSchema = type.outputSchema
    }
}

struct NodeTypeList: ResponseEncodable {
    let nodeTypes: [NodeTypeBody]

    enum CodingKeys: String, CodingKey { case nodeTypes = "node_types" }
}
