import Foundation
import QuarryCore

/// An ``Embedder`` over any OpenAI-compatible `POST …/embeddings` endpoint (OpenAI, vLLM, Ollama,
/// llama.cpp's server, another Quarry). Inputs go in batches; vectors come back in input order,
/// scaled to unit length. An endpoint that cannot be reached, or answers 429 or 5xx after the
/// client's retries, is ``BackendUnavailable`` (the API answers 503, a job is retried later);
/// any other refusal (a wrong key, an unknown model) is an ``EmbedError``.
public struct OpenAIEmbedder: Embedder {
    public enum EmbedError: Error, CustomStringConvertible {
        case remote(HTTPClientError)
        case malformed(String)

        public var description: String {
            switch self {
            case .remote(let error): "the embedding endpoint failed: \(error)"
            case .malformed(let reason): "the embedding endpoint answered something unexpected: \(reason)"
            }
        }
    }

    /// The endpoint's base, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8420/v1`.
    public let baseURL: String
    public let modelName: String
    public let dimensions: Int
    /// Inputs per request.
    public let batchSize: Int
    private let apiKey: String?
    private let client: HTTPClient

    public init(baseURL: String, model: String, dimensions: Int, apiKey: String? = nil, batchSize: Int = 256, client: HTTPClient = HTTPClient()) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        modelName = model
        self.dimensions = dimensions
        self.apiKey = apiKey
        self.batchSize = max(1, batchSize)
        self.client = client
    }

    public func embed(_ texts: [String], for use: EmbeddingUse) async throws -> Embeddings {
        var result = Embeddings(vectors: [], tokenCount: 0)
        var start = 0
        while start < texts.count {
            let batch = Array(texts[start..<min(texts.count, start + batchSize)])
            let part = try await embedBatch(batch)
            result.vectors += part.vectors
            result.tokenCount += part.tokenCount
            start += batch.count
        }
        return result
    }

    private func embedBatch(_ texts: [String]) async throws -> Embeddings {
        struct Body: Encodable {
            let model: String
            let input: [String]
            let encoding_format = "float"
        }
        struct Answer: Decodable {
            struct Item: Decodable { let index: Int; let embedding: [Float] }
            struct Usage: Decodable { let prompt_tokens: Int? }
            let data: [Item]
            let usage: Usage?
        }
        var headers = [("Content-Type", "application/json")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let request = HTTPRequest(
            method: "POST", url: baseURL + "/embeddings", headers: headers,
            body: try JSONEncoder().encode(Body(model: modelName, input: texts))
        )
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch {
            switch error {
            case .unreachable, .notConnected, .status(url: _, code: 429, body: _):
                throw BackendUnavailable(backend: "embedder", reason: error.description)
            case .status(url: _, let code, body: _) where code >= 500:
                throw BackendUnavailable(backend: "embedder", reason: error.description)
            default:
                throw EmbedError.remote(error)
            }
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: response.body) else {
            throw EmbedError.malformed("not an embeddings list")
        }
        guard answer.data.count == texts.count, Set(answer.data.map(\.index)) == Set(0..<texts.count) else {
            throw EmbedError.malformed("\(answer.data.count) embeddings for \(texts.count) inputs")
        }
        var vectors = [[Float]](repeating: [], count: texts.count)
        for item in answer.data {
            guard item.embedding.count == dimensions else {
                throw EmbedError.malformed("a vector of \(item.embedding.count) dimensions, expected \(dimensions)")
            }
            let norm = item.embedding.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vectors[item.index] = norm > 0 ? item.embedding.map { $0 / norm } : item.embedding
        }
        return Embeddings(vectors: vectors, tokenCount: answer.usage?.prompt_tokens ?? 0)
    }
}
