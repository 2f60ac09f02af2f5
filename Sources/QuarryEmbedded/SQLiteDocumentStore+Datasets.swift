import Foundation
import QuarryCore

/// Evaluation datasets: the record in `datasets`, the files as blobs in `dataset_files`, both
/// written in one transaction.
extension SQLiteDocumentStore: DatasetStore {
    static let datasetSchema = """
        CREATE TABLE IF NOT EXISTS datasets (
            tenant TEXT NOT NULL, id TEXT NOT NULL, created_at REAL NOT NULL, dataset TEXT NOT NULL, PRIMARY KEY (tenant, id));
        CREATE TABLE IF NOT EXISTS dataset_files (
            tenant TEXT NOT NULL, dataset TEXT NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tenant, dataset, name));
        """

    public func saveDataset(_ dataset: Dataset, files: [String: Data]) async throws {
        let json = try Self.text(dataset)
        try database.transaction { transaction in
            try transaction.query("DELETE FROM dataset_files WHERE tenant = ? AND dataset = ?", [.text(dataset.tenant), .text(dataset.id)])
            for (name, data) in files {
                try transaction.query("INSERT INTO dataset_files (tenant, dataset, name, data) VALUES (?, ?, ?, ?)",
                                      [.text(dataset.tenant), .text(dataset.id), .text(name), .blob([UInt8](data))])
            }
            try transaction.query("INSERT OR REPLACE INTO datasets (tenant, id, created_at, dataset) VALUES (?, ?, ?, ?)",
                                  [.text(dataset.tenant), .text(dataset.id), .real(dataset.createdAt.timeIntervalSince1970), .text(json)])
        }
    }

    public func dataset(_ id: String, tenant: String) async throws -> Dataset? {
        try database.query("SELECT dataset FROM datasets WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)]).first.map { try Self.decode(Dataset.self, $0) }
    }

    public func datasets(tenant: String, limit: Int, offset: Int) async throws -> [Dataset] {
        try database.query("SELECT dataset FROM datasets WHERE tenant = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                           [.text(tenant), .integer(Int64(limit)), .integer(Int64(offset))]).map { try Self.decode(Dataset.self, $0) }
    }

    public func datasetFile(_ name: String, dataset: String, tenant: String) async throws -> Data? {
        try database.query("SELECT data FROM dataset_files WHERE tenant = ? AND dataset = ? AND name = ?", [.text(tenant), .text(dataset), .text(name)])
            .first?.first.map { Data($0.blob ?? []) }
    }

    public func deleteDataset(_ id: String, tenant: String) async throws -> Bool {
        try database.transaction { transaction in
            try transaction.query("DELETE FROM dataset_files WHERE tenant = ? AND dataset = ?", [.text(tenant), .text(id)])
            return try !transaction.query("DELETE FROM datasets WHERE tenant = ? AND id = ? RETURNING id", [.text(tenant), .text(id)]).isEmpty
        }
    }
}
