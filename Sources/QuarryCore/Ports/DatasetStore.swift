import Foundation

/// Where evaluation datasets are kept, record and files: SQLite (QuarryEmbedded), or MongoDB's
/// `datasets` with the files in the GridFS bucket `dataset_files` (QuarryMongo). Every call is
/// scoped to a tenant.
public protocol DatasetStore: Sendable {
    /// Stores the dataset and its files (`dataset.files` names them), replacing one of that id.
    func saveDataset(_ dataset: Dataset, files: [String: Data]) async throws
    func dataset(_ id: String, tenant: String) async throws -> Dataset?
    /// The tenant's datasets, newest first.
    func datasets(tenant: String, limit: Int, offset: Int) async throws -> [Dataset]
    /// One of the dataset's files, or nil when it has no such file.
    func datasetFile(_ name: String, dataset: String, tenant: String) async throws -> Data?
    /// Removes the dataset and its files; false when there was none.
    func deleteDataset(_ id: String, tenant: String) async throws -> Bool
}
