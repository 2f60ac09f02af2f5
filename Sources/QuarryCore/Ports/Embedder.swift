/// Turns texts into unit-length vectors for dense retrieval. Implementations: the in-process
/// all-MiniLM-L6-v2 (QuarryEmbedding) and, later, any OpenAI-compatible `/v1/embeddings` endpoint.
public protocol Embedder: Sendable {
    /// The model's name as clients know it, e.g. `sentence-transformers/all-MiniLM-L6-v2`.
    var modelName: String { get }
    var dimensions: Int { get }
    /// One vector per text, in order, and the tokens the model read. `use` lets an embedder
    /// treat a question (latency first, full precision) apart from documents being indexed
    /// (throughput first; the in-process model may take its int8 path, `ingest_precision`).
    func embed(_ texts: [String], for use: EmbeddingUse) async throws -> Embeddings
}

extension Embedder {
    /// Texts embedded as questions are: at full precision.
    public func embed(_ texts: [String]) async throws -> Embeddings {
        try await embed(texts, for: .query)
    }
}

/// What texts are embedded for (``Embedder/embed(_:for:)``).
public enum EmbeddingUse: Sendable {
    /// A question, or texts a client asked to embed: answered at the model's full precision.
    case query
    /// Chunks being indexed.
    case document
}

/// What an ``Embedder`` returns.
public struct Embeddings: Sendable, Equatable {
    public var vectors: [[Float]]
    /// Model tokens read, special tokens included (OpenAI's `usage.prompt_tokens`).
    public var tokenCount: Int

    public init(vectors: [[Float]], tokenCount: Int) {
        self.vectors = vectors
        self.tokenCount = tokenCount
    }
}
