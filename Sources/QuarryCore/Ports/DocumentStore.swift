import Foundation

/// Where documents' records, their chunks and their original bytes are kept. Implementations:
/// SQLite in the data directory (QuarryEmbedded) and MongoDB (QuarryMongo). Every call is scoped to a tenant.
public protocol DocumentStore: BackendProbe {
    func record(_ id: String, tenant: String) async throws -> DocumentRecord?
    /// The records of those of `ids` that exist, in no particular order.
    func records(_ ids: [String], tenant: String) async throws -> [DocumentRecord]
    /// What a citation names of those of `ids` that exist (title and source), in no particular
    /// order: read on every query, so a store may answer it without decoding whole records.
    func labels(_ ids: [String], tenant: String) async throws -> [DocumentLabel]
    /// How far those of `ids` that exist have got (status, counts, last update), in no particular
    /// order: an index job's progress reads it for every document the job names (it may name
    /// 100,000, and a client asks every second), so a store may answer it without decoding whole
    /// records.
    func progress(_ ids: [String], tenant: String) async throws -> [DocumentProgress]
    /// The tenant's documents, newest first, `limit` of them after `offset`.
    func records(tenant: String, limit: Int, offset: Int) async throws -> [DocumentRecord]
    /// The tenant's documents from `uri` (a new version replaces the older ones).
    func records(source uri: String, tenant: String) async throws -> [DocumentRecord]
    /// Inserts or updates a record.
    func save(_ record: DocumentRecord) async throws
    /// Replaces an existing record in one step; false, writing nothing, when there is none (it was
    /// deleted meanwhile), so a worker's progress never brings a deleted document back.
    func update(_ record: DocumentRecord) async throws -> Bool
    /// Replaces the document's chunks with `chunks`.
    func saveChunks(_ chunks: [Chunk], document: String, tenant: String) async throws
    func chunks(_ ids: [String], tenant: String) async throws -> [Chunk]
    /// Removes the record, its chunks and its bytes.
    func delete(_ id: String, tenant: String) async throws
    func saveBytes(_ data: Data, document: String, tenant: String) async throws
    func bytes(document: String, tenant: String) async throws -> Data?
}

/// A document as its citations name it.
public struct DocumentLabel: Sendable, Equatable {
    public var id: String
    public var title: String?
    /// The source's URI.
    public var source: String

    public init(id: String, title: String?, source: String) {
        self.id = id
        self.title = title
        self.source = source
    }
}

/// How far a document has got: what an index job's progress reads of it.
public struct DocumentProgress: Sendable, Equatable {
    public var id: String
    public var status: Document.Status
    public var error: String?
    public var pages: Int
    public var chunks: Int
    public var updatedAt: Date

    public init(id: String, status: Document.Status, error: String? = nil, pages: Int = 0, chunks: Int = 0, updatedAt: Date) {
        self.id = id
        self.status = status
        self.error = error
        self.pages = pages
        self.chunks = chunks
        self.updatedAt = updatedAt
    }

    public init(_ record: DocumentRecord) {
        self.init(id: record.id, status: record.status, error: record.error, pages: record.pages, chunks: record.chunks, updatedAt: record.updatedAt)
    }
}

/// A document as the store keeps it: no pages (they live in the chunks), progress per stage.
public struct DocumentRecord: Sendable, Codable, Equatable {
    public var id: String
    public var tenant: String
    public var source: Document.Source
    public var title: String?
    public var status: Document.Status
    public var error: String?
    public var metadata: [String: String]
    public var pages: Int
    public var chunks: Int
    /// Chunks embedded and indexed so far.
    public var chunksIndexed: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, tenant: String, source: Document.Source, title: String? = nil, status: Document.Status = .queued,
        error: String? = nil, metadata: [String: String] = [:], pages: Int = 0, chunks: Int = 0, chunksIndexed: Int = 0,
        createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.tenant = tenant
        self.source = source
        self.title = title
        self.status = status
        self.error = error
        self.metadata = metadata
        self.pages = pages
        self.chunks = chunks
        self.chunksIndexed = chunksIndexed
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
