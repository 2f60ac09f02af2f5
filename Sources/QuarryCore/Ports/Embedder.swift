/// Turns texts into unit-length vectors for dense retrieval. Implementations: the in-process
/// all-MiniLM-L6-v2 (QuarryEmbedding) and, later, any OpenAI-compatible `/v1/embeddings` endpoint.
public protocol Embedder: Sendable {
    /// The model's name as clients know it, e.g. `sentence-transformers/all-MiniLM-L6-v2`.
    var modelName: String { get }
    var dimensions: Int { get }
    /// One vector per text, in order.
    func embed(_ texts: [String]) async throws -> [[Float]]
}
