import Foundation

/// The shape of a BERT encoder, from the model's `config.json`.
public struct BertConfiguration: Sendable, Equatable, Decodable {
    public let hiddenSize: Int
    public let layerCount: Int
    public let headCount: Int
    public let intermediateSize: Int
    public let maxPositions: Int
    public let vocabularySize: Int
    public let typeVocabularySize: Int
    public let layerNormEpsilon: Float

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", layerCount = "num_hidden_layers", headCount = "num_attention_heads"
        case intermediateSize = "intermediate_size", maxPositions = "max_position_embeddings"
        case vocabularySize = "vocab_size", typeVocabularySize = "type_vocab_size", layerNormEpsilon = "layer_norm_eps"
        case hiddenAct = "hidden_act"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
        layerCount = try container.decode(Int.self, forKey: .layerCount)
        headCount = try container.decode(Int.self, forKey: .headCount)
        intermediateSize = try container.decode(Int.self, forKey: .intermediateSize)
        maxPositions = try container.decode(Int.self, forKey: .maxPositions)
        vocabularySize = try container.decode(Int.self, forKey: .vocabularySize)
        typeVocabularySize = try container.decodeIfPresent(Int.self, forKey: .typeVocabularySize) ?? 2
        layerNormEpsilon = try container.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-12
        let activation = try container.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "gelu"
        guard activation == "gelu" else {
            throw DecodingError.dataCorruptedError(forKey: .hiddenAct, in: container, debugDescription: "only gelu (erf) is supported, not \(activation)")
        }
        guard headCount > 0, hiddenSize % headCount == 0 else {
            throw DecodingError.dataCorruptedError(forKey: .headCount, in: container, debugDescription: "hidden size not divisible by heads")
        }
        // The kernels work in vectors of 16 floats.
        guard hiddenSize % 16 == 0, (hiddenSize / headCount) % 16 == 0 else {
            throw DecodingError.dataCorruptedError(forKey: .hiddenSize, in: container,
                                                   debugDescription: "hidden and head sizes must be multiples of 16")
        }
    }

    public var headSize: Int { hiddenSize / headCount }
}
