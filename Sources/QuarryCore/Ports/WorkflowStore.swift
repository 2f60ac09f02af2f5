import Foundation

/// Where workflows are kept, every version of each: SQLite (QuarryEmbedded) or MongoDB's
/// `workflows` (QuarryMongo). Every call is scoped to a tenant.
public protocol WorkflowStore: Sendable {
    /// Stores version 1 of a new workflow; false when the tenant has one with that id.
    func createWorkflow(_ workflow: Workflow) async throws -> Bool
    /// Stores `workflow` as the current version, if the current one is `workflow.version - 1`;
    /// false when another change came first (read again and redo) or there is no such workflow.
    func updateWorkflow(_ workflow: Workflow) async throws -> Bool
    /// The current version, or with `version` that one.
    func workflow(_ id: String, version: Int?, tenant: String) async throws -> Workflow?
    /// The tenant's workflows (current versions), newest first.
    func workflows(tenant: String, limit: Int, offset: Int) async throws -> [Workflow]
    /// Every tenant's workflows whose current version has a schedule: what the scheduler reads.
    func scheduledWorkflows() async throws -> [Workflow]
    /// Removes the workflow, all its versions and its webhook (its runs stay); false when there was none.
    func deleteWorkflow(_ id: String, tenant: String) async throws -> Bool
    /// Gives the workflow a webhook whose secret has the SHA-256 `digest` (hex), replacing the one
    /// it had; with nil, takes it away. Only the digest is kept: a stolen database starts no run.
    /// False when the tenant has no such workflow.
    func setWorkflowHook(_ id: String, tenant: String, digest: String?) async throws -> Bool
    /// The workflow whose webhook secret has `digest`, of any tenant.
    func workflowHook(digest: String) async throws -> WorkflowHook?
}

/// Which workflow a webhook starts.
public struct WorkflowHook: Sendable, Equatable {
    public var tenant: String
    public var workflow: String

    public init(tenant: String, workflow: String) {
        self.tenant = tenant
        self.workflow = workflow
    }
}

/// Where runs and their logs are kept: SQLite, or MongoDB's `runs` and `run_logs`.
public protocol RunStore: Sendable {
    /// Stores a new run; false when the tenant has a run with that id (the scheduler's runs have
    /// ids made from their workflow and tick, so a tick emitted twice is stored once).
    func createRun(_ run: Run) async throws -> Bool
    func run(_ id: String, tenant: String) async throws -> Run?
    /// The tenant's runs, newest first; of one workflow and in one status when given.
    func runs(tenant: String, workflow: String?, status: Run.Status?, limit: Int, offset: Int) async throws -> [Run]
    /// Stores `run` if the stored one's revision is `run.revision - 1`; false when another
    /// writer came first (read again and redo: ``modifyRun(_:tenant:_:)``) or there is no such run.
    func updateRun(_ run: Run) async throws -> Bool
    func appendRunLog(_ entry: RunLog) async throws
    /// The run's log, oldest first (by time, then id); with `after`, the lines that follow the
    /// line with that id (none when the run has no such line).
    func runLogs(run: String, tenant: String, after: String?, limit: Int) async throws -> [RunLog]
    /// Keeps a node's output too large to live in its run document (JSON bytes) under `key`
    /// (``Run/OutputReference/key``), replacing what was kept under it: files beside SQLite, a
    /// GridFS bucket in MongoDB.
    func saveRunOutput(_ data: Data, key: String, tenant: String) async throws
    /// The output kept under `key`, or nil.
    func runOutput(key: String, tenant: String) async throws -> Data?
}

/// Another writer kept winning: the change was not made.
public struct RunConflict: Error, CustomStringConvertible {
    public let run: String
    public var description: String { "run \(run) kept changing under this writer; the change was not made" }
}

extension RunStore {
    /// Reads the run, applies `change` and writes it back; when another writer came first, does
    /// it again on a fresh read. Returns `change`'s result, or nil when there is no such run.
    public func modifyRun<T>(_ id: String, tenant: String, _ change: (inout Run) throws -> T) async throws -> T? {
        for _ in 0..<100 {
            guard var run = try await run(id, tenant: tenant) else { return nil }
            let result = try change(&run)
            run.revision += 1
            if try await updateRun(run) { return result }
        }
        throw RunConflict(run: id)
    }
}
