import Foundation
import QuarryCore

/// Workflows (`workflows`: the current version; `workflow_versions`: every one; `workflow_hooks`:
/// the digest of each one's webhook secret), runs (`runs`: a run's own fields; `run_nodes`: each
/// node's state in a row of its own, so a change reads and writes only the nodes it touches) and
/// run logs (`run_logs`).
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
        CREATE TABLE IF NOT EXISTS run_nodes (
            tenant TEXT NOT NULL, run_id TEXT NOT NULL, node TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (tenant, run_id, node));
        CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (tenant, workflow_id, created_at);
        CREATE INDEX IF NOT EXISTS runs_by_age ON runs (tenant, created_at);
        CREATE TABLE IF NOT EXISTS run_logs (
            tenant TEXT NOT NULL, run_id TEXT NOT NULL, time REAL NOT NULL, id TEXT NOT NULL, entry TEXT NOT NULL,
            PRIMARY KEY (tenant, run_id, time, id));
        """

    /// Runs written before node states had rows of their own hold every node inside the run's JSON
    /// and no count of open nodes: they are split once, in one transaction, as the store opens.
    static let splitRunsOfOldFormat = """
        BEGIN IMMEDIATE;
        INSERT OR IGNORE INTO run_nodes (tenant, run_id, node, state)
          SELECT runs.tenant, runs.id, node.key, node.value FROM runs, json_each(runs.run, '$.nodes') AS node
          WHERE json_type(runs.run, '$.openNodes') IS NULL;
        UPDATE runs SET run = json_set(run, '$.nodes', json('{}'), '$.openNodes',
            (SELECT count(*) FROM json_each(run, '$.nodes') AS node
             WHERE json_extract(node.value, '$.status') NOT IN ('succeeded', 'failed', 'skipped', 'canceled')))
          WHERE json_type(run, '$.openNodes') IS NULL;
        COMMIT;
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
        var header = run
        header.nodes = [:]
        let json = try Self.text(header)
        let nodes = try run.nodes.map { ($0.key, try Self.text($0.value)) }
        return try await database.write { transaction in
            let created = try !transaction.query(
                "INSERT INTO runs (tenant, id, workflow_id, revision, created_at, run) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                [.text(run.tenant), .text(run.id), .text(run.workflowId), .integer(Int64(run.revision)), .real(run.createdAt.timeIntervalSince1970),
                 .text(json)]
            ).isEmpty
            if created { try Self.writeNodes(nodes, of: run, transaction) }
            return created
        }
    }

    public func run(_ id: String, tenant: String, nodes: [String]?) async throws -> Run? {
        try database.read { transaction in
            guard let row = try transaction.query("SELECT run FROM runs WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)]).first else { return nil }
            var run = try Self.decode(Run.self, row)
            if let nodes {
                for node in nodes { run.nodes[node] = try Self.node(node, of: run, transaction) }
            } else {
                run.nodes = try Self.nodes(of: run, transaction)
            }
            return run
        }
    }

    public func runs(tenant: String, workflow: String?, status: Run.Status?, limit: Int, offset: Int) async throws -> [Run] {
        try database.read { transaction in
            try transaction.query("""
                SELECT run FROM runs WHERE tenant = ?1 AND (?2 IS NULL OR workflow_id = ?2) AND (?3 IS NULL OR json_extract(run, '$.status') = ?3)
                ORDER BY created_at DESC, id LIMIT ?4 OFFSET ?5
                """, [.text(tenant), workflow.map { .text($0) } ?? .null, status.map { .text($0.rawValue) } ?? .null,
                      .integer(Int64(limit)), .integer(Int64(offset))]).map { row in
                var run = try Self.decode(Run.self, row)
                run.nodes = try Self.nodes(of: run, transaction)
                return run
            }
        }
    }

    /// One transaction (committed with others waiting, ``SQLiteDatabase/write(_:)``): the run's
    /// own fields are read, then each node the change asks for; the fields, the nodes it set and
    /// its log lines are written.
    public func modifyRun<T>(_ id: String, tenant: String, _ change: (inout RunDraft) throws -> T) async throws -> T? {
        try await database.write { transaction -> T? in
            guard let row = try transaction.query("SELECT run FROM runs WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)]).first else { return nil }
            let header = try Self.decode(Run.self, row)
            var draft = RunDraft(run: header, read: { try Self.node($0, of: header, transaction) }, readAll: { try Self.nodes(of: header, transaction) })
            let result = try change(&draft)
            if let error = draft.readError { throw error }
            var run = draft.run
            run.revision += 1
            let nodes = try draft.changedNodes.compactMap { node in try run.nodes[node].map { (node, try Self.text($0)) } }
            run.nodes = [:]
            try transaction.query("UPDATE runs SET revision = ?, run = ? WHERE tenant = ? AND id = ?",
                                  [.integer(Int64(run.revision)), .text(try Self.text(run)), .text(tenant), .text(id)])
            try Self.writeNodes(nodes, of: run, transaction)
            for entry in draft.logs { try Self.insertLog(entry, transaction) }
            return result
        }
    }

    static func node(_ node: String, of run: Run, _ transaction: SQLiteDatabase.Transaction) throws -> Run.NodeRun? {
        try transaction.query("SELECT state FROM run_nodes WHERE tenant = ? AND run_id = ? AND node = ?", [.text(run.tenant), .text(run.id), .text(node)])
            .first.map { try decode(Run.NodeRun.self, $0) }
    }

    static func nodes(of run: Run, _ transaction: SQLiteDatabase.Transaction) throws -> [String: Run.NodeRun] {
        var nodes: [String: Run.NodeRun] = [:]
        for row in try transaction.query("SELECT node, state FROM run_nodes WHERE tenant = ? AND run_id = ?", [.text(run.tenant), .text(run.id)]) {
            guard let node = row.first?.text else { continue }
            nodes[node] = try decode(Run.NodeRun.self, Array(row.dropFirst()))
        }
        return nodes
    }

    static func writeNodes(_ nodes: [(String, String)], of run: Run, _ transaction: SQLiteDatabase.Transaction) throws {
        for (node, state) in nodes {
            try transaction.query("INSERT OR REPLACE INTO run_nodes (tenant, run_id, node, state) VALUES (?, ?, ?, ?)",
                                  [.text(run.tenant), .text(run.id), .text(node), .text(state)])
        }
    }

    public func appendRunLog(_ entry: RunLog) async throws {
        try await database.write { transaction in try Self.insertLog(entry, transaction) }
    }

    static func insertLog(_ entry: RunLog, _ transaction: SQLiteDatabase.Transaction) throws {
        try transaction.query("INSERT OR REPLACE INTO run_logs (tenant, run_id, time, id, entry) VALUES (?, ?, ?, ?, ?)",
                              [.text(entry.tenant), .text(entry.runId), .real(entry.time.timeIntervalSince1970), .text(entry.id), .text(try text(entry))])
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

    public func runOutput(key: String, tenant: String, bytes: Range<Int>) async throws -> Data? {
        guard let file = try? FileHandle(forReadingFrom: outputFile(key, tenant: tenant)) else { return nil }
        defer { try? file.close() }
        try file.seek(toOffset: UInt64(bytes.lowerBound))
        return try file.read(upToCount: bytes.count) ?? Data()
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
