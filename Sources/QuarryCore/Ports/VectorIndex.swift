/// Where chunks are found: dense vectors and BM25 terms per chunk, searched by similarity, by
/// terms, or both fused. Implementations: the embedded index (QuarryEmbedded) and Qdrant.
public protocol VectorIndex: BackendProbe {
    /// Adds chunks, replacing any with the same chunk id.
    func upsert(_ points: [IndexPoint]) async throws
    /// Removes every chunk of a document.
    func deleteDocument(_ documentId: String, tenant: String) async throws
    /// The best chunks for a query, best first, only the query's tenant's.
    func search(_ query: IndexQuery) async throws -> [IndexHit]
    /// Chunks held for a tenant.
    func count(tenant: String) async throws -> Int
    /// Removes the whole index with every tenant's chunks: for throwaway indexes only (an
    /// evaluation's or a benchmark's own Qdrant collection), never the one a server reads.
    func discard() async throws
    /// Writes made through this instance so far: part of every query cache key, so a write makes
    /// earlier answers stale.
    var generation: Int { get }
    /// Whether every write to the index goes through this instance, so `generation` sees them
    /// all; false for a store other processes (workers, API replicas) write to as well.
    var seesEveryWrite: Bool { get }
}

/// One chunk as the index holds it.
public struct IndexPoint: Sendable, Equatable {
    public var chunkId: String
    public var tenant: String
    public var documentId: String
    /// Unit length, the embedder's dimensions.
    public var vector: [Float]
    /// The chunk's BM25 terms (``TextAnalyzer``), repeats kept.
    public var terms: [String]
    /// Equality-filterable facts (document metadata).
    public var metadata: [String: String]
    /// The chunk's first page, kept where the back end stores a payload (Qdrant); the embedded
    /// index has the chunk itself in its database and does not keep it.
    public var page: Int?

    public init(chunkId: String, tenant: String, documentId: String, vector: [Float], terms: [String], metadata: [String: String] = [:],
                page: Int? = nil) {
        self.chunkId = chunkId
        self.tenant = tenant
        self.documentId = documentId
        self.vector = vector
        self.terms = terms
        self.metadata = metadata
        self.page = page
    }
}

public enum RetrievalMode: String, Sendable, Codable, CaseIterable {
    case hybrid, dense, sparse
}

public struct IndexQuery: Sendable {
    public var tenant: String
    public var mode: RetrievalMode
    /// The query's embedding (dense and hybrid).
    public var vector: [Float]
    /// The query's BM25 terms (sparse and hybrid).
    public var terms: [String]
    public var limit: Int
    /// Candidates each retriever contributes before fusion (hybrid): a hybrid query returns at
    /// most twice this many, whatever its limit.
    public var candidates: Int
    /// The default: deep enough for recall, and the depth whose scores min–max fusion normalises.
    public static let defaultCandidates = 100
    public var fusion: Fusion
    /// Only these documents, when given.
    public var documentIds: Set<String>?
    /// Only chunks whose metadata has all these values.
    public var metadata: [String: String]

    public init(
        tenant: String, mode: RetrievalMode, vector: [Float] = [], terms: [String] = [], limit: Int,
        candidates: Int? = nil, fusion: Fusion = .standard, documentIds: Set<String>? = nil, metadata: [String: String] = [:]
    ) {
        self.tenant = tenant
        self.mode = mode
        self.vector = vector
        self.terms = terms
        self.limit = limit
        self.candidates = max(candidates ?? Self.defaultCandidates, 1)
        self.fusion = fusion
        self.documentIds = documentIds
        self.metadata = metadata
    }
}

public struct IndexHit: Sendable, Equatable {
    public var chunkId: String
    public var documentId: String
    /// The fused score (or the single retriever's score).
    public var score: Double

    public init(chunkId: String, documentId: String, score: Double) {
        self.chunkId = chunkId
        self.documentId = documentId
        self.score = score
    }
}

/// Why an index refused a write or a query.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    case dimensions(expected: Int, found: Int)
    case corrupt(String)

    public var description: String {
        switch self {
        case .dimensions(let expected, let found): "vector has \(found) dimensions; the index holds \(expected)"
        case .corrupt(let what): "the index on disk is damaged: \(what)"
        }
    }
}
