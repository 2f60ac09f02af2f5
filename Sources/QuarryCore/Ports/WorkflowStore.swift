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
    /// The run with every node's state, or with `nodes` only those (and none unnamed).
    func run(_ id: String, tenant: String, nodes: [String]?) async throws -> Run?
    /// The tenant's runs, newest first; of one workflow and in one status when given.
    func runs(tenant: String, workflow: String?, status: Run.Status?, limit: Int, offset: Int) async throws -> [Run]
    /// Applies `change` to the run and writes what it changed, atomically: no other change to the
    /// run comes between the reads and the write (a transaction; or a write that holds only over
    /// the revision it read, made again on a fresh read when another writer came first). Returns
    /// `change`'s result, or nil when there is no such run. The draft reads node states as
    /// `change` asks for them, so a store that keeps them apart reads and writes only those.
    func modifyRun<T>(_ id: String, tenant: String, _ change: (inout RunDraft) throws -> T) async throws -> T?
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
    /// The bytes of the output kept under `key` that fall in `bytes` (fewer at its end, none past
    /// it), or nil when there is no such output: what reads a long list a piece at a time.
    func runOutput(key: String, tenant: String, bytes: Range<Int>) async throws -> Data?
}

/// Another writer kept winning: the change was not made.
public struct RunConflict: Error, CustomStringConvertible {
    public let run: String

    public init(run: String) {
        self.run = run
    }

    public var description: String { "run \(run) kept changing under this writer; the change was not made" }
}

extension RunStore {
    /// The run with every node's state.
    public func run(_ id: String, tenant: String) async throws -> Run? { try await run(id, tenant: tenant, nodes: nil) }

    /// Makes one step of the run's course (``RunDraft``); when it applies, the line `log` makes
    /// of the run after it is kept in the run's log with the same write. Nil when there is no such run.
    public func transition(_ id: String, tenant: String, _ step: (inout RunDraft) -> Bool, log: (Run) -> RunLog? = { _ in nil }) async throws
        -> RunStep? {
        try await modifyRun(id, tenant: tenant) { draft in
            let applied = step(&draft)
            if applied, let line = log(draft.run) { draft.logs.append(line) }
            return RunStep(run: draft.run, applied: applied, made: draft.made)
        }
    }
}

/// What one step of a run's course did.
public struct RunStep: Sendable {
    /// The run after it, holding the nodes the step read.
    public var run: Run
    /// False when the step did not apply (a duplicate or stale report, a run that ended).
    public var applied: Bool
    /// The dispatches it made due: what its writer sends.
    public var made: [Run.Dispatch]

    public init(run: Run, applied: Bool, made: [Run.Dispatch]) {
        self.run = run
        self.applied = applied
        self.made = made
    }
}
