import Foundation
import QuarryCore
import Synchronization

/// ``DocumentStore`` on MongoDB (DESIGN.md §2): records in `documents`, chunks in `chunks`, bulk
/// index jobs in `index_jobs` (MongoDocumentStore+IndexJobs.swift), workflows, runs and run logs
/// (MongoDocumentStore+Workflows.swift), each
/// keyed by tenant and id together (``key(_:tenant:)``), so every lookup is scoped to its tenant
/// by the key itself; original
/// files in the GridFS bucket `files`. The indexes are created on first use (the `createIndexes`
/// command: libmongoc 1.23 has no index-model helpers), so Quarry starts while MongoDB is down;
/// while it is, every call throws ``BackendUnavailable``.
public final class MongoDocumentStore: DocumentStore {
    public let client: MongoClient
    private let indexesReady = Mutex(false)

    static let documents = "documents"
    static let chunks = "chunks"
    static let files = "files"
    static let indexJobs = "index_jobs"

    public init(client: MongoClient) {
        self.client = client
    }

    // MARK: Records

    public func record(_ id: String, tenant: String) async throws -> DocumentRecord? {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.documents, filter: ByKey(_id: key(id, tenant: tenant)), options: Limit(limit: 1))
                .first.map { try $0.decode(StoredRecord.self).record }
        }
    }

    public func records(_ ids: [String], tenant: String) async throws -> [DocumentRecord] {
        try await documents(ids, tenant: tenant, as: StoredRecord.self).map(\.record)
    }

    /// A projection of id, title and source: what a query's citations read of each document.
    public func labels(_ ids: [String], tenant: String) async throws -> [DocumentLabel] {
        try await documents(ids, tenant: tenant, projecting: #"{"id": 1, "title": 1, "sourceUri": 1}"#, as: StoredLabel.self)
            .map { DocumentLabel(id: $0.id, title: $0.title, source: $0.sourceUri) }
    }

    /// A projection of what an index job's progress reads of each document.
    public func progress(_ ids: [String], tenant: String) async throws -> [DocumentProgress] {
        try await documents(ids, tenant: tenant, projecting: #"{"id": 1, "status": 1, "error": 1, "pages": 1, "chunks": 1, "updatedAt": 1}"#,
                            as: StoredProgress.self)
            .map { DocumentProgress(id: $0.id, status: $0.status, error: $0.error, pages: $0.pages, chunks: $0.chunks, updatedAt: $0.updatedAt) }
    }

    /// The stored records of those of `ids` that exist, whole or only the fields of `projection`
    /// (a JSON object written by hand), each read as `T`.
    func documents<T: Decodable & Sendable>(_ ids: [String], tenant: String, projecting projection: String? = nil, as type: T.Type)
        async throws -> [T]
    {
        guard !ids.isEmpty else { return [] }
        try await prepare()
        let keys = ids.map { key($0, tenant: tenant) }
        let options = Data((projection.map { #"{"projection": "# + $0 + "}" } ?? "{}").utf8)
        return try await client.run { session in
            try session.find(Self.documents, filter: ByKeys(_id: .init(in: keys)), options: RawJSON(json: options)).map { try $0.decode(T.self) }
        }
    }

    public func records(tenant: String, limit: Int, offset: Int) async throws -> [DocumentRecord] {
        try await prepare()
        return try await client.run { session in
            try session.find(Self.documents, filter: ByTenant(tenant: tenant), options: Self.newestFirst(limit: limit, offset: offset))
                .map { try $0.decode(StoredRecord.self).record }
        }
    }

    public func records(source uri: String, tenant: String) async throws -> [DocumentRecord] {
        try await prepare()
        let options = Data(#"{"sort": {"createdAt": -1, "id": 1}}"#.utf8)
        return try await client.run { session in
            try session.find(Self.documents, filter: BySource(tenant: tenant, sourceUri: uri), options: RawJSON(json: options))
                .map { try $0.decode(StoredRecord.self).record }
        }
    }

    public func save(_ record: DocumentRecord) async throws {
        try await prepare()
        let stored = StoredRecord(record)
        try await client.run { session in
            try session.replaceOne(Self.documents, filter: ByKey(_id: stored._id), with: stored, upsert: true)
        }
    }

    /// One atomic write that never resurrects a record deleted meanwhile: MongoDB matches and
    /// replaces in the same step.
    public func update(_ record: DocumentRecord) async throws -> Bool {
        try await prepare()
        let stored = StoredRecord(record)
        return try await client.run { session in
            try session.replaceOne(Self.documents, filter: ByKey(_id: stored._id), with: stored, upsert: false) > 0
        }
    }

    public func delete(_ id: String, tenant: String) async throws {
        try await prepare()
        try await client.run { session in
            try session.deleteMany(Self.chunks, filter: ChunksOf(tenant: tenant, documentId: id))
            try session.deleteMany(Self.documents, filter: ByKey(_id: key(id, tenant: tenant)))
            try session.deleteFile(bucket: Self.files, id: Self.fileId(id, tenant: tenant))
        }
    }

    // MARK: Chunks

    public func saveChunks(_ chunks: [Chunk], document: String, tenant: String) async throws {
        try await prepare()
        let stored = chunks.map { StoredChunk(_id: key($0.id, tenant: tenant), tenant: tenant, documentId: document, chunk: $0) }
        try await client.run { session in
            try session.deleteMany(Self.chunks, filter: ChunksOf(tenant: tenant, documentId: document))
            // Chunk ids are fixed by content, so a duplicate key means a racing worker wrote this
            // very chunk: unordered inserts write the rest, and the duplicates are no loss.
            do { try session.insertMany(Self.chunks, stored, ordered: false) } catch let error as MongoError where error.isDuplicateKey {}
        }
    }

    public func chunks(_ ids: [String], tenant: String) async throws -> [Chunk] {
        guard !ids.isEmpty else { return [] }
        try await prepare()
        let keys = ids.map { key($0, tenant: tenant) }
        let found = try await client.run { session in
            try session.find(Self.chunks, filter: ByKeys(_id: .init(in: keys)), options: RawJSON(json: Data("{}".utf8)))
                .map { try $0.decode(StoredChunk.self).chunk }
        }
        let byId = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byId[$0] }
    }

    // MARK: Files

    public func saveBytes(_ data: Data, document: String, tenant: String) async throws {
        try await client.run { session in try session.upload(bucket: Self.files, id: Self.fileId(document, tenant: tenant), data: data) }
    }

    public func bytes(document: String, tenant: String) async throws -> Data? {
        try await client.run { session in try session.download(bucket: Self.files, id: Self.fileId(document, tenant: tenant)) }
    }

    /// The same key as the document's record.
    static func fileId(_ id: String, tenant: String) -> String { key(id, tenant: tenant) }

    /// Find options for a page of a tenant's records or jobs, newest first. Written by hand: sort
    /// keys go in order of priority, which an encoder with sorted keys would not keep.
    static func newestFirst(limit: Int, offset: Int) -> RawJSON {
        RawJSON(json: Data(#"{"sort": {"createdAt": -1, "id": 1}, "skip": \#(max(offset, 0)), "limit": \#(max(limit, 0))}"#.utf8))
    }

    // MARK: Readiness and indexes

    public var backend: BackendIdentity {
        BackendIdentity(kind: "mongodb", target: client.hosts + " database " + client.databaseName)
    }

    /// Whether MongoDB answers and the indexes are in place: `nil` when ready, else why not.
    public func problem() async -> String? {
        do {
            try await prepare()
            try await client.run { session in try session.command(["ping": 1]) }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The indexes every query above needs; `createIndexes` is a no-op for indexes that exist.
    func prepare() async throws {
        if indexesReady.withLock({ $0 }) { return }
        let commands = [
            #"{"createIndexes": "documents", "indexes": [{"key": {"tenant": 1, "createdAt": -1}, "name": "tenant_created"}, {"key": {"tenant": 1, "sourceUri": 1}, "name": "tenant_source"}]}"#,
            #"{"createIndexes": "chunks", "indexes": [{"key": {"tenant": 1, "documentId": 1}, "name": "tenant_document"}]}"#,
            #"{"createIndexes": "index_jobs", "indexes": [{"key": {"tenant": 1, "createdAt": -1}, "name": "tenant_created"}]}"#,
            #"{"createIndexes": "workflows", "indexes": [{"key": {"tenant": 1, "createdAt": -1}, "name": "tenant_created"}, {"key": {"schedule": 1}, "name": "schedule", "sparse": true}]}"#,
            #"{"createIndexes": "credentials", "indexes": [{"key": {"tenant": 1, "createdAt": -1}, "name": "tenant_created"}]}"#,
            #"{"createIndexes": "api_keys", "indexes": [{"key": {"tenant": 1, "createdAt": -1}, "name": "tenant_created"}]}"#,
            #"{"createIndexes": "workflow_hooks", "indexes": [{"key": {"digest": 1}, "name": "digest", "unique": true}]}"#,
            #"{"createIndexes": "runs", "indexes": [{"key": {"tenant": 1, "workflowId": 1, "createdAt": -1}, "name": "tenant_workflow_created"}]}"#,
            #"{"createIndexes": "run_nodes", "indexes": [{"key": {"tenant": 1, "runId": 1}, "name": "tenant_run"}]}"#,
            #"{"createIndexes": "run_logs", "indexes": [{"key": {"tenant": 1, "runId": 1, "time": 1, "id": 1}, "name": "tenant_run_time"}]}"#,
        ]
        try await client.run { session in
            for command in commands { try session.command(RawJSON(json: Data(command.utf8))) }
        }
        indexesReady.withLock { $0 = true }
    }
}
