import Foundation
import QuarryCore

/// Index jobs in the collection `index_jobs`, keyed like records (`<tenant hex>/<id>`). The
/// submitting job's progress and a cancel are `$set`s of their own fields, so neither undoes the other.
extension MongoDocumentStore: IndexJobStore {
    public func createIndexJob(_ job: IndexJob) async throws {
        try await prepare()
        let stored = Keyed(key(job.id, tenant: job.tenant), job)
        try await client.run { session in try session.insertMany(Self.indexJobs, [stored]) }
    }

    public func indexJob(_ id: String, tenant: String) async throws -> IndexJob? {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.indexJobs, filter: ByKey(_id: key(id, tenant: tenant)), options: Limit(limit: 1))
                .first.map { try $0.decode(Keyed<IndexJob>.self).value }
        }
    }

    public func indexJobs(tenant: String, limit: Int, offset: Int) async throws -> [IndexJob] {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.indexJobs, filter: ByTenant(tenant: tenant), options: Self.newestFirst(limit: limit, offset: offset))
                .map { try $0.decode(Keyed<IndexJob>.self).value }
        }
    }

    public func updateIndexJobItems(_ job: IndexJob) async throws {
        try await prepare()
        let update = SetFields(set: ItemsUpdate(items: job.items, startedAt: job.startedAt))
        _ = try await client.run { session in
            try session.updateOne(Self.indexJobs, filter: ByKey(_id: key(job.id, tenant: job.tenant)), update: update)
        }
    }

    public func indexJobCanceled(_ id: String, tenant: String) async throws -> Bool {
        try await prepare()
        struct Canceled: Decodable { let canceledAt: Date? }
        let options = Data(#"{"projection": {"canceledAt": 1}, "limit": 1}"#.utf8)
        return try await client.run { session in
            try session.find(Self.indexJobs, filter: ByKey(_id: key(id, tenant: tenant)), options: RawJSON(json: options))
                .first.map { try $0.decode(Canceled.self).canceledAt != nil } ?? false
        }
    }

    public func cancelIndexJob(_ id: String, tenant: String, at date: Date) async throws -> Bool {
        guard let job = try await indexJob(id, tenant: tenant) else { return false }
        if job.canceledAt != nil { return true }
        let update = SetFields(set: CancelUpdate(canceledAt: date))
        return try await client.run { session in
            try session.updateOne(Self.indexJobs, filter: ByKey(_id: key(id, tenant: tenant)), update: update) > 0
        }
    }
}

struct SetFields<Fields: Encodable & Sendable>: Encodable, Sendable {
    let set: Fields
    enum CodingKeys: String, CodingKey { case set = "$set" }
}

struct ItemsUpdate: Encodable, Sendable {
    let items: [IndexJob.Item]
    let startedAt: Date?
}

struct CancelUpdate: Encodable, Sendable { let canceledAt: Date }
