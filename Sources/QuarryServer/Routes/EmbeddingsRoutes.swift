import Foundation
import Hummingbird
import QuarryCore

/// `POST /v1/embeddings`, OpenAI-compatible, behind the same bearer auth as `/api/v1`, so OpenAI
/// clients (and other Quarry instances) can use Quarry's in-process model.
struct EmbeddingsRoutes {
    let embedder: any Embedder
    /// OpenAI's own limit on inputs per request.
    static let maximumInputs = 2048
    static let maximumBodyBytes = 8 * 1_048_576

    func register(on group: RouterGroup<QuarryRequestContext>) {
        group.post("/embeddings") { request, context in
            _ = try context.require(.viewer)
            let body = try await request.decodeJSON(EmbeddingsRequest.self, limit: Self.maximumBodyBytes)
            try validate(body)
            let result = try await embedder.embed(body.input.texts)
            let base64 = body.encodingFormat == "base64"
            return EmbeddingsResponse(
                data: result.vectors.enumerated().map { index, vector in
                    EmbeddingsResponse.Item(index: index, embedding: base64 ? .base64(Self.base64(vector)) : .floats(vector))
                },
                model: embedder.modelName,
                usage: .init(promptTokens: result.tokenCount, totalTokens: result.tokenCount)
            )
        }
    }

    /// OpenAI answers 400 for each of these, and OpenAI's clients expect it.
    func validate(_ body: EmbeddingsRequest) throws {
        let texts = body.input.texts
        guard !texts.isEmpty else { throw RequestError.malformed("input must not be empty", field: "/input") }
        guard texts.count <= Self.maximumInputs else { throw RequestError.malformed("at most \(Self.maximumInputs) inputs per request", field: "/input") }
        guard !texts.contains(where: \.isEmpty) else { throw RequestError.malformed("input strings must not be empty", field: "/input") }
        if let model = body.model, !Self.names(of: embedder.modelName).contains(model) {
            throw APIError(.notFound, code: "model_not_found", message: "model '\(model.prefix(200))' is not served here; use '\(embedder.modelName)'", field: "/model")
        }
        if let format = body.encodingFormat, format != "float", format != "base64" {
            throw RequestError.malformed("encoding_format must be float or base64", field: "/encoding_format")
        }
        if let dimensions = body.dimensions, dimensions != embedder.dimensions {
            throw RequestError.malformed("this model has \(embedder.dimensions) dimensions", field: "/dimensions")
        }
    }

    /// The full name and the short one (`all-MiniLM-L6-v2`).
    static func names(of model: String) -> Set<String> {
        [model, String(model.split(separator: "/").last ?? Substring(model))]
    }

    /// Little-endian float32 bytes in base64, as OpenAI encodes them.
    static func base64(_ vector: [Float]) -> String {
        var bytes = Data(capacity: vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes.base64EncodedString()
    }
}

struct EmbeddingsRequest: Decodable {
    enum Input {
        case one(String)
        case many([String])

        var texts: [String] {
            switch self {
            case .one(let text): [text]
            case .many(let texts): texts
            }
        }
    }

    let input: Input
    let model: String?
    let encodingFormat: String?
    let dimensions: Int?

    enum CodingKeys: String, CodingKey {
        case input, model, dimensions
        case encodingFormat = "encoding_format"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try? container.decode(String.self, forKey: .input) {
            input = .one(text)
        } else if let texts = try? container.decode([String].self, forKey: .input) {
            input = .many(texts)
        } else {
            throw RequestError.malformed("input must be a string or an array of strings (token arrays are not accepted)", field: "/input")
        }
        model = try container.decodeIfPresent(String.self, forKey: .model)
        encodingFormat = try container.decodeIfPresent(String.self, forKey: .encodingFormat)
        dimensions = try container.decodeIfPresent(Int.self, forKey: .dimensions)
    }
}

struct EmbeddingsResponse: ResponseEncodable {
    enum Vector: Encodable {
        case floats([Float])
        case base64(String)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .floats(let values): try container.encode(values)
            case .base64(let text): try container.encode(text)
            }
        }
    }

    struct Item: Encodable {
        var object = "embedding"
        let index: Int
        let embedding: Vector
    }

    struct Usage: Encodable {
        let promptTokens: Int
        let totalTokens: Int

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case totalTokens = "total_tokens"
        }
    }

    var object = "list"
    let data: [Item]
    let model: String
    let usage: Usage
}
