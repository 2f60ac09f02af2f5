import Foundation
import QuarryCore

/// Workflows (`workflows`: the current version; `workflow_versions`: every one; `workflow_hooks`:
/// the digest of each one's webhook secret), runs (`runs`,
/// with the revision in a column for compare-and-set writes) and run logs (`run_logs`).
extension SQLiteDocumentStore: WorkflowStore, RunStore {
    static let workflowSchema = """
        CREATE TABLE IF NOT EXISTS workflows (
            tenant TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, created_at REAL NOT NULL, workflow TEXT NOT NULL,
            PRIMARY KEY (tenant, id));
        CREATE INDEX IF NOT EXISTS workflows_by_age ON workflows (tenant, created_at);
        CREATE TABLE IF NOT EXISTS workflow_versions (
            tenant TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, workflow TEXT NOT NULL, PRIMARY KEY (tenant, id, version));
        CREATE TABLE IF NOT EXISTS workflow_hooks (
            digest TEXT PRIMARY KEY, tenant TEXT NOT NULL, id TEXT NOT NULL, UNIQUE (tenant, id));
        CREATE TABLE IF NOT EXISTS runs (
            tenant TEXT NOT NULL, id TEXT NOT NULL, workflow_id TEXT NOT NULL, revision INTEGER NOT NULL, created_at REAL NOT NULL,
            run TEXT NOT NULL, PRIMARY KEY (tenant, id));
        CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (tenant, workflow_id, created_at);
        CREATE INDEX IF NOT EXISTS runs_by_age ON runs (tenant, created_at);
        CREATE TABLE IF NOT EXISTS run_logs (
            tenant TEXT NOT NULL, run_id TEXT NOT NULL, time REAL NOT NULL, id TEXT NOT NULL, entry TEXT NOT NULL,
            PRIMARY KEY (tenant, run_id, time, id));
        """

    // MARK: Workflows

    public func createWorkflow(_ workflow: Workflow) async throws -> Bool {
        let json = try Self.text(workflow)
        return try database.transaction { transaction in
            let created = try !transaction.query(
                "INSERT INTO workflows (tenant, id, version, created_at, workflow) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                [.text(workflow.tenant), .text(workflow.id), .integer(Int64(workflow.version)), .real(workflow.createdAt.timeIntervalSince1970), .text(json)]
            ).isEmpty
            if created { try Self.insertVersion(workflow, json: json, transaction) }
            return created
        }
    }

    public func updateWorkflow(_ workflow: Workflow) async throws -> Bool {
        let json = try Self.text(workflow)
        return try database.transaction { transaction in
            let updated = try !transaction.query(
                "UPDATE workflows SET version = ?, workflow = ? WHERE tenant = ? AND id = ? AND version = ? RETURNING id",
                [.integer(Int64(workflow.version)), .text(json), .text(workflow.tenant), .text(workflow.id), .integer(Int64(workflow.version - 1))]
            ).isEmpty
            if updated { try Self.insertVersion(workflow, json: json, transaction) }
            return updated
        }
    }

    public func workflow(_ id: String, version: Int?, tenant: String) async throws -> Workflow? {
        let rows = if let version {
            try database.query("SELECT workflow FROM workflow_versions WHERE tenant = ? AND id = ? AND version = ?",
                               [.text(tenant), .text(id), .integer(Int64(version))])
        } else {
            try database.query("SELECT workflow FROM workflows WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)])
        }
        return try rows.first.map { try Self.decode(Workflow.self, $0) }
    }

    public func workflows(tenant: String, limit: Int, offset: Int) async throws -> [Workflow] {
        try database.query("SELECT workflow FROM workflows WHERE tenant = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                           [.text(tenant), .integer(Int64(limit)), .integer(Int64(offset))]).map { try Self.decode(Workflow.self, $0) }
    }

    /// Read from the JSON: a scan of `workflows`, which holds each workflow once.
    public func scheduledWorkflows() async throws -> [Workflow] {
        try database.query("SELECT workflow FROM workflows WHERE json_extract(workflow, '$.schedule') IS NOT NULL ORDER BY tenant, id")
            .map { try Self.decode(Workflow.self, $0) }
    }

    public func deleteWorkflow(_ id: String, tenant: String) async throws -> Bool {
        try database.transaction { transaction in
            try transaction.query("DELETE FROM workflow_versions WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)])
            try transaction.query("DELETE FROM workflow_hooks WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)])
            return try !transaction.query("DELETE FROM workflows WHERE tenant = ? AND id = ? RETURNING id", [.text(tenant), .text(id)]).isEmpty
        }
    }

    public func setWorkflowHook(_ id: String, tenant: String, digest: String?) async throws -> Bool {
        try database.transaction { transaction in
            guard try !transaction.query("SELECT 1 FROM workflows WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)]).isEmpty else { return false }
            try transaction.query("DELETE FROM workflow_hooks WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)])
            if let digest {
                try transaction.query("INSERT INTO workflow_hooks (digest, tenant, id) VALUES (?, ?, ?)", [.text(digest), .text(tenant), .text(id)])
            }
            return true
        }
    }

    public func workflowHook(digest: String) async throws -> WorkflowHook? {
        guard let row = try database.query("SELECT tenant, id FROM workflow_hooks WHERE digest = ?", [.text(digest)]).first,
              let tenant = row.first?.text, let id = row.last?.text else { return nil }
        return WorkflowHook(tenant: tenant, workflow: id)
    }

    static func insertVersion(_ workflow: Workflow, json: String, _ transaction: SQLiteDatabase.Transaction) throws {
        try transaction.query("INSERT OR REPLACE INTO workflow_versions (tenant, id, version, workflow) VALUES (?, ?, ?, ?)",
                              [.text(workflow.tenant), .text(workflow.id), .integer(Int64(workflow.version)), .text(json)])
    }

    // MARK: Runs and their logs

    public func createRun(_ run: Run) async throws -> Bool {
        try !database.query(
            "INSERT INTO runs (tenant, id, workflow_id, revision, created_at, run) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            [.text(run.tenant), .text(run.id), .text(run.workflowId), .integer(Int64(run.revision)),
             .real(run.createdAt.timeIntervalSince1970), .text(try Self.text(run))]
        ).isEmpty
    }

    public func run(_ id: String, tenant: String) async throws -> Run? {
        try database.query("SELECT run FROM runs WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)]).first.map { try Self.decode(Run.self, $0) }
    }

    public func runs(tenant: String, workflow: String?, status: Run.Status?, limit: Int, offset: Int) async throws -> [Run] {
        try database.query("""
            SELECT run FROM runs WHERE tenant = ?1 AND (?2 IS NULL OR workflow_id = ?2) AND (?3 IS NULL OR json_extract(run, '$.status') = ?3)
            ORDER BY created_at DESC, id LIMIT ?4 OFFSET ?5
            """, [.text(tenant), workflow.map { .text($0) } ?? .null, status.map { .text($0.rawValue) } ?? .null,
                  .integer(Int64(limit)), .integer(Int64(offset))]).map { try Self.decode(Run.self, $0) }
    }

    public func updateRun(_ run: Run) async throws -> Bool {
        try !database.query("UPDATE runs SET revision = ?, run = ? WHERE tenant = ? AND id = ? AND revision = ? RETURNING id",
                            [.integer(Int64(run.revision)), .text(try Self.text(run)), .text(run.tenant), .text(run.id),
                             .integer(Int64(run.revision - 1))]).isEmpty
    }

    public func appendRunLog(_ entry: RunLog) async throws {
        try database.query("INSERT OR REPLACE INTO run_logs (tenant, run_id, time, id, entry) VALUES (?, ?, ?, ?, ?)",
                           [.text(entry.tenant), .text(entry.runId), .real(entry.time.timeIntervalSince1970), .text(entry.id), .text(try Self.text(entry))])
    }

    public func runLogs(run: String, tenant: String, after: String?, limit: Int) async throws -> [RunLog] {
        try database.query("""
            SELECT entry FROM run_logs WHERE tenant = ?1 AND run_id = ?2
              AND (?3 IS NULL OR (time, id) > (SELECT time, id FROM run_logs WHERE tenant = ?1 AND run_id = ?2 AND id = ?3))
            ORDER BY time, id LIMIT ?4
            """, [.text(tenant), .text(run), after.map { .text($0) } ?? .null, .integer(Int64(limit))]).map { try Self.decode(RunLog.self, $0) }
    }

    public func saveRunOutput(_ data: Data, key: String, tenant: String) async throws {
        try Self.write(data, to: outputFile(key, tenant: tenant))
    }

    public func runOutput(key: String, tenant: String) async throws -> Data? {
        try? Data(contentsOf: outputFile(key, tenant: tenant))
    }

    /// `files/<tenant as hex>/run-outputs/<key as hex>`, beside the tenant's documents (whose
    /// names are hex, so never `run-outputs`).
    func outputFile(_ key: String, tenant: String) -> URL {
        files.appendingPathComponent(Hex.encode(tenant.utf8)).appendingPathComponent("run-outputs").appendingPathComponent(Hex.encode(key.utf8))
    }

    // MARK: Coding

    static func text(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    static func decode<T: Decodable>(_ type: T.Type, _ row: [SQLiteDatabase.Value]) throws -> T {
        guard let json = row.first?.text else { throw IndexError.corrupt("a \(T.self) row has no JSON") }
        return try decoder.decode(type, from: Data(json.utf8))
    }
}
