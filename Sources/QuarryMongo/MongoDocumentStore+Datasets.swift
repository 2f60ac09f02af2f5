import Foundation
import QuarryCore

/// Evaluation datasets: the record in `datasets`, the files in the GridFS bucket `dataset_files`
/// (id `<tenant hex>/<dataset>/<file name>`). Files are written before the record that names
/// them, so a record never names a file that is not there.
extension MongoDocumentStore: DatasetStore {
    static let datasets = "datasets"
    static let datasetFiles = "dataset_files"

    public func saveDataset(_ dataset: Dataset, files: [String: Data]) async throws {
        try await prepare()
        let previous = try await self.dataset(dataset.id, tenant: dataset.tenant)
        let stored = Keyed(key(dataset.id, tenant: dataset.tenant), dataset)
        try await client.run { session in
            for (name, data) in files { try session.upload(bucket: Self.datasetFiles, id: Self.fileId(name, dataset: dataset.id, tenant: dataset.tenant), data: data) }
            try session.replaceOne(Self.datasets, filter: ByKey(_id: stored._id), with: stored, upsert: true)
            for name in previous?.files ?? [] where files[name] == nil {
                try session.deleteFile(bucket: Self.datasetFiles, id: Self.fileId(name, dataset: dataset.id, tenant: dataset.tenant))
            }
        }
    }

    public func dataset(_ id: String, tenant: String) async throws -> Dataset? {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.datasets, filter: ByKey(_id: key(id, tenant: tenant)), options: Limit(limit: 1)).first.map { try $0.decode(Keyed<Dataset>.self).value }
        }
    }

    public func datasets(tenant: String, limit: Int, offset: Int) async throws -> [Dataset] {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.datasets, filter: ByTenant(tenant: tenant), options: Self.newestFirst(limit: limit, offset: offset))
                .map { try $0.decode(Keyed<Dataset>.self).value }
        }
    }

    public func datasetFile(_ name: String, dataset: String, tenant: String) async throws -> Data? {
        try await client.run { session in try session.download(bucket: Self.datasetFiles, id: Self.fileId(name, dataset: dataset, tenant: tenant)) }
    }

    public func deleteDataset(_ id: String, tenant: String) async throws -> Bool {
        guard let dataset = try await dataset(id, tenant: tenant) else { return false }
        return try await client.run { session in
            // The record first: a file left by a crash here is unreachable, never a record without its files.
            let deleted = try session.deleteMany(Self.datasets, filter: ByKey(_id: key(id, tenant: tenant))) > 0
            for name in dataset.files { try session.deleteFile(bucket: Self.datasetFiles, id: Self.fileId(name, dataset: id, tenant: tenant)) }
            return deleted
        }
    }

    static func fileId(_ name: String, dataset: String, tenant: String) -> String { key(dataset, tenant: tenant) + "/" + name }
}
