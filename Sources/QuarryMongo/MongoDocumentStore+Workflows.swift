import Foundation
import QuarryCore

/// Workflows in `workflows` (one document each, every version inside it, so a new version is one
/// compare-and-set replace), runs in `runs` (a run's own fields) and `run_nodes` (each node's
/// state in a document of its own; a change to a run is one multi-document transaction that reads
/// and writes only the nodes it touches) and run logs in `run_logs`. Users' names (node ids, settings, log data) are stored as
/// JSON text or as key/value pairs, never as field names, since they may hold `.` or `$`.
extension MongoDocumentStore: WorkflowStore, RunStore {
    static let workflows = "workflows"
    static let runs = "runs"
    static let runNodes = "run_nodes"
    static let runLogs = "run_logs"
    /// The GridFS bucket of node outputs too large for their run.
    static let runOutputs = "run_outputs"
    /// One document per workflow with a webhook (its key), holding the secret's digest.
    static let workflowHooks = "workflow_hooks"

    // MARK: Workflows

    public func createWorkflow(_ workflow: Workflow) async throws -> Bool {
        try await prepare()
        let stored = try StoredWorkflow(workflow, versions: [workflow])
        do {
            try await client.run { session in try session.insertMany(Self.workflows, [stored]) }
            return true
        } catch let error as MongoError where error.isDuplicateKey {
            return false
        }
    }

    public func updateWorkflow(_ workflow: Workflow) async throws -> Bool {
        try await prepare()
        guard let current = try await storedWorkflow(workflow.id, tenant: workflow.tenant), current.version == workflow.version - 1 else { return false }
        let replacement = try StoredWorkflow(workflow, versions: try current.decodedVersions() + [workflow])
        let filter = ByKeyAndVersion(_id: current._id, version: current.version)
        return try await client.run { session in
            try session.replaceOne(Self.workflows, filter: filter, with: replacement, upsert: false) > 0
        }
    }

    public func workflow(_ id: String, version: Int?, tenant: String) async throws -> Workflow? {
        try await prepare()
        guard let stored = try await storedWorkflow(id, tenant: tenant) else { return nil }
        return try stored.decodedVersions().first { $0.version == (version ?? stored.version) }
    }

    public func workflows(tenant: String, limit: Int, offset: Int) async throws -> [Workflow] {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.workflows, filter: ByTenant(tenant: tenant), options: Self.newestFirst(limit: limit, offset: offset))
                .compactMap { try $0.decode(StoredWorkflow.self).decodedVersions().last }
        }
    }

    /// `schedule` is kept at the top level for this query (indexed, sparse).
    public func scheduledWorkflows() async throws -> [Workflow] {
        try await prepare()
        let options = RawJSON(json: Data(#"{"sort": {"tenant": 1, "id": 1}}"#.utf8))
        return try await client.run { session in
            try session.find(Self.workflows, filter: RawJSON(json: Data(#"{"schedule": {"$type": "string"}}"#.utf8)), options: options)
                .compactMap { try $0.decode(StoredWorkflow.self).decodedVersions().last }
        }
    }

    public func deleteWorkflow(_ id: String, tenant: String) async throws -> Bool {
        try await prepare()
        return try await client.run { session in
            _ = try session.deleteMany(Self.workflowHooks, filter: ByKey(_id: key(id, tenant: tenant)))
            return try session.deleteMany(Self.workflows, filter: ByKey(_id: key(id, tenant: tenant))) > 0
        }
    }

    /// One replace, keyed by the workflow: a new secret takes the old one's place in one step.
    public func setWorkflowHook(_ id: String, tenant: String, digest: String?) async throws -> Bool {
        try await prepare()
        guard try await storedWorkflow(id, tenant: tenant) != nil else { return false }
        let filter = ByKey(_id: key(id, tenant: tenant))
        try await client.run { session in
            if let digest {
                _ = try session.replaceOne(Self.workflowHooks, filter: filter,
                                           with: StoredHook(_id: filter._id, tenant: tenant, workflowId: id, digest: digest), upsert: true)
            } else {
                _ = try session.deleteMany(Self.workflowHooks, filter: filter)
            }
        }
        return true
    }

    public func workflowHook(digest: String) async throws -> WorkflowHook? {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.workflowHooks, filter: ByDigest(digest: digest), options: Limit(limit: 1)).first
                .map { try $0.decode(StoredHook.self) }.map { WorkflowHook(tenant: $0.tenant, workflow: $0.workflowId) }
        }
    }

    func storedWorkflow(_ id: String, tenant: String) async throws -> StoredWorkflow? {
        try await client.run { session in
            try session.find(Self.workflows, filter: ByKey(_id: key(id, tenant: tenant)), options: Limit(limit: 1)).first.map { try $0.decode(StoredWorkflow.self) }
        }
    }

    // MARK: Runs and their logs

    /// The run's own fields and its nodes, in one transaction: a run is never seen without them.
    public func createRun(_ run: Run) async throws -> Bool {
        try await prepare()
        var header = run
        header.nodes = [:]
        let stored = try StoredRun(header)
        let nodes = try run.nodes.map { try StoredRunNode(run: run, node: $0.key, state: $0.value) }
        do {
            try await client.transaction { session in
                try session.insertMany(Self.runs, [stored])
                try session.insertMany(Self.runNodes, nodes, ordered: false)
            }
            return true
        } catch let error as MongoError where error.isDuplicateKey {
            return false
        }
    }

    public func run(_ id: String, tenant: String, nodes: [String]?) async throws -> Run? {
        try await prepare()
        return try await client.run { session in try Self.read(id, tenant: tenant, nodes: nodes, session) }
    }

    public func runs(tenant: String, workflow: String?, status: Run.Status?, limit: Int, offset: Int) async throws -> [Run] {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.runs, filter: RunsOf(tenant: tenant, workflowId: workflow, status: status),
                             options: Self.newestFirst(limit: limit, offset: offset))
                .map { try Self.withNodes(try $0.decode(StoredRun.self), nil, session) }
        }
    }

    /// One transaction: the run's own fields are read, then each node the change asks for; the
    /// fields, the nodes it set and its log lines are written. When another writer's transaction
    /// wrote the same documents first, the change is made again on a fresh read.
    public func modifyRun<T>(_ id: String, tenant: String, _ change: (inout RunDraft) throws -> T) async throws -> T? {
        try await prepare()
        return try await withoutActuallyEscaping(change) { change in
            let carried = Unchecked(change)
            return try await client.transaction { session in
                guard let stored = try session.find(Self.runs, filter: ByKey(_id: key(id, tenant: tenant)), options: Limit(limit: 1)).first?
                    .decode(StoredRun.self) else { return Unchecked<T?>(nil) }
                let header = try stored.run()
                // A run written before nodes had documents of their own holds them inside.
                var draft = stored.openNodes == nil
                    ? RunDraft(whole: header)
                    : RunDraft(run: header, read: { try Self.node($0, of: header, session) }, readAll: { try Self.nodes(of: header, nil, session) })
                let result = try carried.value(&draft)
                if let error = draft.readError { throw error }
                var run = draft.run
                run.revision += 1
                for node in stored.openNodes == nil ? Set(run.nodes.keys) : draft.changedNodes {
                    guard let state = run.nodes[node] else { continue }
                    let document = try StoredRunNode(run: run, node: node, state: state)
                    try session.replaceOne(Self.runNodes, filter: ByKey(_id: document._id), with: document, upsert: true)
                }
                run.nodes = [:]
                try session.replaceOne(Self.runs, filter: ByKey(_id: stored._id), with: try StoredRun(run), upsert: false)
                try session.insertMany(Self.runLogs, try draft.logs.map(StoredRunLog.init))
                return Unchecked<T?>(result)
            }.value
        }
    }

    /// The run with every node, or with `nodes` only those.
    static func read(_ id: String, tenant: String, nodes: [String]?, _ session: MongoClient.Session) throws -> Run? {
        try session.find(runs, filter: ByKey(_id: key(id, tenant: tenant)), options: Limit(limit: 1)).first
            .map { try withNodes(try $0.decode(StoredRun.self), nodes, session) }
    }

    static func withNodes(_ stored: StoredRun, _ names: [String]?, _ session: MongoClient.Session) throws -> Run {
        var run = try stored.run()
        if stored.openNodes == nil {  // written before nodes had documents of their own
            if let names { run.nodes = run.nodes.filter { names.contains($0.key) } }
        } else {
            run.nodes = try nodes(of: run, names, session)
        }
        return run
    }

    static func node(_ node: String, of run: Run, _ session: MongoClient.Session) throws -> Run.NodeRun? {
        try nodes(of: run, [node], session)[node]
    }

    /// The run's nodes, or of them those named.
    static func nodes(of run: Run, _ names: [String]?, _ session: MongoClient.Session) throws -> [String: Run.NodeRun] {
        let found = if let names {
            try session.find(runNodes, filter: ByKeys(_id: .init(in: names.map { StoredRunNode.key(run: run.id, node: $0, tenant: run.tenant) })),
                             options: RawJSON(json: Data("{}".utf8)))
        } else {
            try session.find(runNodes, filter: NodesOf(tenant: run.tenant, runId: run.id), options: RawJSON(json: Data("{}".utf8)))
        }
        var nodes: [String: Run.NodeRun] = [:]
        for document in found {
            let stored = try document.decode(StoredRunNode.self)
            nodes[stored.node] = try ExtendedJSON.decoder.decode(Run.NodeRun.self, from: Data(stored.state.utf8))
        }
        return nodes
    }

    public func appendRunLog(_ entry: RunLog) async throws {
        try await prepare()
        let stored = try StoredRunLog(entry)
        _ = try await client.run { session in try session.replaceOne(Self.runLogs, filter: ByKey(_id: stored._id), with: stored, upsert: true) }
    }

    public func runLogs(run: String, tenant: String, after: String?, limit: Int) async throws -> [RunLog] {
        try await prepare()
        let options = RawJSON(json: Data(#"{"sort": {"time": 1, "id": 1}, "limit": \#(max(limit, 0))}"#.utf8))
        return try await client.run { session in
            var filter = LogsOf(tenant: tenant, runId: run)
            if let after {
                // The lines after the cursor's (time, id): later in time, or as late with a greater id.
                guard let cursor = try session.find(Self.runLogs, filter: ByKey(_id: key(after, tenant: tenant)), options: Limit(limit: 1))
                    .first.map({ try $0.decode(StoredRunLog.self) }), cursor.runId == run
                else { return [] }
                filter.after = [LogsOf.Later(time: Compare(gt: cursor.time)), LogsOf.Later(time: Compare(eq: cursor.time), id: Compare(gt: cursor.id))]
            }
            return try session.find(Self.runLogs, filter: filter, options: options).map { try $0.decode(StoredRunLog.self).entry() }
        }
    }
}

extension MongoDocumentStore {
    public func saveRunOutput(_ data: Data, key: String, tenant: String) async throws {
        try await client.run { session in try session.upload(bucket: Self.runOutputs, id: QuarryMongo.key(key, tenant: tenant), data: data) }
    }

    public func runOutput(key: String, tenant: String) async throws -> Data? {
        try await client.run { session in try session.download(bucket: Self.runOutputs, id: QuarryMongo.key(key, tenant: tenant)) }
    }

    public func runOutput(key: String, tenant: String, bytes: Range<Int>) async throws -> Data? {
        try await client.run { session in try session.download(bucket: Self.runOutputs, id: QuarryMongo.key(key, tenant: tenant), bytes: bytes) }
    }
}

/// A workflow as stored: what lists and sorts at the top level, every version as JSON text.
struct StoredWorkflow: Codable, Sendable {
    let _id: String
    let id: String
    let tenant: String
    let name: String
    let version: Int
    /// The current version's, for the scheduler's query.
    let schedule: String?
    let createdAt: Date
    let updatedAt: Date
    /// Every version, oldest first, each a `Workflow` as JSON.
    let versions: [String]

    init(_ workflow: Workflow, versions: [Workflow]) throws {
        _id = key(workflow.id, tenant: workflow.tenant)
        id = workflow.id
        tenant = workflow.tenant
        name = workflow.name
        version = workflow.version
        schedule = workflow.schedule
        createdAt = workflow.createdAt
        updatedAt = workflow.updatedAt
        self.versions = try versions.map { String(decoding: try ExtendedJSON.encoder.encode($0), as: UTF8.self) }
    }

    func decodedVersions() throws -> [Workflow] { try versions.map { try ExtendedJSON.decoder.decode(Workflow.self, from: Data($0.utf8)) } }
}

/// A workflow's webhook: the digest of its secret, never the secret.
struct StoredHook: Codable, Sendable {
    let _id: String
    let tenant: String
    let workflowId: String
    let digest: String
}

struct ByDigest: Encodable { let digest: String }

/// A run's own fields as stored: what lists and sorts at the top level; the inputs and the outbox
/// as JSON text (any shape, keys with `$` and `.` included). Its nodes are ``StoredRunNode``s;
/// a run written before they were (`openNodes` absent) holds them in `state.nodes`.
struct StoredRun: Codable, Sendable {
    let _id: String
    let id: String
    let tenant: String
    let workflowId: String
    let workflowVersion: Int
    let status: Run.Status
    let revision: Int
    let createdAt: Date
    let scheduledFor: Date?
    let startedAt: Date?
    let finishedAt: Date?
    let error: String?
    let openNodes: Int?
    /// `{nodes, inputs, outbox, rerun_of, parent, parent_pending}` as JSON.
    let state: String

    struct State: Codable {
        let nodes: [String: Run.NodeRun]
        let inputs: JSONValue
        let outbox: [Run.Dispatch]
        let rerunOf: String?
        let parent: Run.Parent?
        let parentPending: Bool?
    }

    init(_ run: Run) throws {
        _id = key(run.id, tenant: run.tenant)
        id = run.id
        tenant = run.tenant
        workflowId = run.workflowId
        workflowVersion = run.workflowVersion
        status = run.status
        revision = run.revision
        createdAt = run.createdAt
        scheduledFor = run.scheduledFor
        startedAt = run.startedAt
        finishedAt = run.finishedAt
        error = run.error
        openNodes = run.openNodes
        state = String(decoding: try ExtendedJSON.encoder.encode(State(nodes: run.nodes, inputs: run.inputs, outbox: run.outbox, rerunOf: run.rerunOf,
                                                                           parent: run.parent, parentPending: run.parentPending)), as: UTF8.self)
    }

    func run() throws -> Run {
        let state = try ExtendedJSON.decoder.decode(State.self, from: Data(state.utf8))
        var run = Run(id: id, tenant: tenant, workflowId: workflowId, workflowVersion: workflowVersion, status: status,
                      nodes: state.nodes, inputs: state.inputs, outbox: state.outbox, revision: revision,
                      createdAt: createdAt, scheduledFor: scheduledFor, startedAt: startedAt, finishedAt: finishedAt, error: error, rerunOf: state.rerunOf,
                      parent: state.parent, parentPending: state.parentPending)
        if let openNodes { run.openNodes = openNodes }
        return run
    }
}

/// One node's state in a run, as JSON text (outputs of any shape).
struct StoredRunNode: Codable, Sendable {
    let _id: String
    let tenant: String
    let runId: String
    let node: String
    let state: String

    init(run: Run, node: String, state: Run.NodeRun) throws {
        _id = Self.key(run: run.id, node: node, tenant: run.tenant)
        tenant = run.tenant
        runId = run.id
        self.node = node
        self.state = String(decoding: try ExtendedJSON.encoder.encode(state), as: UTF8.self)
    }

    /// The run's key, then the node id as hex (run ids hold no `/`).
    static func key(run: String, node: String, tenant: String) -> String { QuarryMongo.key(run, tenant: tenant) + "/" + Hex.encode(node.utf8) }
}

/// A run's node documents.
struct NodesOf: Encodable {
    let tenant: String
    let runId: String
}

/// Carries a value to the thread a transaction runs on and its result back: the caller awaits the
/// transaction's end, so the value is never used from two threads at once.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}

/// A run log line as stored; its data as JSON text.
struct StoredRunLog: Codable, Sendable {
    let _id: String
    let id: String
    let runId: String
    let tenant: String
    let node: String?
    let time: Date
    let level: RunLog.Level
    let message: String
    let data: String?

    init(_ entry: RunLog) throws {
        _id = key(entry.id, tenant: entry.tenant)
        id = entry.id
        runId = entry.runId
        tenant = entry.tenant
        node = entry.node
        time = entry.time
        level = entry.level
        message = entry.message
        data = try entry.data.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
    }

    func entry() throws -> RunLog {
        RunLog(id: id, runId: runId, tenant: tenant, node: node, time: time, level: level, message: message,
               data: try data.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) })
    }
}

struct ByKeyAndVersion: Encodable {
    let _id: String
    let version: Int
}

/// A tenant's runs; of one workflow and in one status when given (nil fields are left out).
struct RunsOf: Encodable {
    let tenant: String
    let workflowId: String?
    let status: Run.Status?
}

/// A run's log lines; with `after`, those later than a cursor line.
struct LogsOf: Encodable {
    let tenant: String
    let runId: String
    var after: [Later]?

    enum CodingKeys: String, CodingKey { case tenant, runId, after = "$or" }

    struct Later: Encodable {
        var time: Compare<Date>
        var id: Compare<String>?
    }
}

/// `{"$gt": …}` or `{"$eq": …}`.
struct Compare<Value: Encodable>: Encodable {
    var gt: Value?
    var eq: Value?

    enum CodingKeys: String, CodingKey { case gt = "$gt", eq = "$eq" }
}
