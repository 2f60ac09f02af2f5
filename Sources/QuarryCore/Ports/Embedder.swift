/// Turns texts into unit-length vectors for dense retrieval. Implementations: the in-process
/// all-MiniLM-L6-v2 (QuarryEmbedding) and, later, any OpenAI-compatible `/v1/embeddings` endpoint.
public protocol Embedder: Sendable {
    /// The model's name as clients know it, e.g. `sentence-transformers/all-MiniLM-L6-v2`.
    var modelName: String { get }
    var dimensions: Int { get }
    /// One vector per text, in order, and the tokens the model read.
    func embed(_ texts: [String]) async throws -> Embeddings
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
