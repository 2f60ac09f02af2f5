import Foundation
import QuarryCore

/// all-MiniLM-L6-v2 from a model directory (`config.json`, `vocab.txt`, `model.safetensors`):
/// text in, unit-length 384-dimensional vectors out, all in process.
public struct MiniLMEmbedder: Embedder {
    public enum LoadError: Error, CustomStringConvertible {
        case configuration(String)
        case vocabulary(WordPieceTokenizer.LoadError)
        case weights(SafeTensors.LoadError)

        public var description: String {
            switch self {
            case .configuration(let reason): "cannot read config.json: \(reason)"
            case .vocabulary(let error): error.description
            case .weights(let error): error.description
            }
        }
    }

    public static let modelName = "sentence-transformers/all-MiniLM-L6-v2"
    /// sentence-transformers' `max_seq_length` for this model (its tokenizer.json says 128; 256 is the reference).
    public static let maxTokens = 256

    public let tokenizer: WordPieceTokenizer
    public let encoder: BertEncoder

    /// `threads`: workers for each encoder step (default: every CPU the process may use, the
    /// pool the embedded index's scan shares).
    public init(directory: String, threads: Int? = nil) throws(LoadError) {
        let configuration: BertConfiguration
        do {
            configuration = try JSONDecoder().decode(BertConfiguration.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/config.json")))
        } catch {
            throw .configuration("\(error)")
        }
        do {
            tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt")
        } catch {
            throw .vocabulary(error)
        }
        do {
            let weights = try BertWeights(SafeTensors(path: directory + "/model.safetensors"), configuration)
            encoder = BertEncoder(configuration: configuration, weights: weights, threads: threads)
        } catch {
            throw .weights(error)
        }
    }

    public var modelName: String { Self.modelName }
    public var dimensions: Int { encoder.configuration.hiddenSize }

    /// A large batch runs on a queue of its own: encoding is seconds of CPU, which must not hold
    /// one of the few threads of Swift's cooperative pool that serve requests; and it runs in the
    /// background, giving way to questions step by step (`BertEncoder.embed`). A question is
    /// encoded on the caller's thread: the hop to the queue and back wakes two threads, 0.3–0.5 ms
    /// each in these VMs, against 3–5 ms of encoding (interleaved runs of `quarry bench query` at
    /// 100k chunks: p50 lower in five of five pairs, by 0.6–3.5 ms).
    public func embed(_ texts: [String]) async throws -> Embeddings {
        if texts.count == 1, texts[0].utf8.count <= Self.inlineBytes {
            return encode(tokens(texts), background: false)
        }
        return await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: encode(tokens(texts), background: true)) }
        }
    }

    /// The longest single text encoded on the caller's thread: a question. 512 bytes are at most
    /// the encoder's 256 tokens; a typical question of 20–30 tokens takes 3–5 ms.
    static let inlineBytes = 512

    private func encode(_ ids: [[Int32]], background: Bool) -> Embeddings {
        Embeddings(vectors: encoder.embed(ids, background: background), tokenCount: ids.reduce(0) { $0 + $1.count })
    }

    private static let queue = DispatchQueue(label: "quarry.embedding", qos: .userInitiated, attributes: .concurrent)

    /// The model's input ids for each text, [CLS] and [SEP] included, truncated to 256.
    public func tokens(_ texts: [String]) -> [[Int32]] {
        texts.map { tokenizer.encode($0, maxLength: Self.maxTokens) }
    }
}
