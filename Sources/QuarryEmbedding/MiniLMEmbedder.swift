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

    /// The precision documents are embedded at; questions always take `.half`.
    public let documentPrecision: BertEncoder.Precision
    /// Why `.int8` was asked for and not taken: the gate's texts embedded on the int8 path fell
    /// below `int8MinimumCosine` to the half path's (nil when not asked for, or taken).
    public let int8Refusal: String?

    /// The int8 path's bar: each of ``int8GateTexts`` at this cosine or more to the half path.
    public static let int8MinimumCosine = 0.995
    /// Texts unlike each other: short and long, prose, code, numbers, and the empty text (the
    /// model then reads [CLS] and [SEP] alone, the path's weakest case so far).
    static let int8GateTexts = [
        "", "what is the capital city of france?", "Tides are driven by the gravitational pull of the Moon and the Sun.",
        "Error 0x80070005: access denied while writing C:\\Windows\\System32\\drivers\\etc\\hosts",
        "func embed(_ texts: [String]) async throws -> [[Float]] { try await model.encode(texts) }",
        "Revenue rose 12.4% to $3.2 billion in Q3 2024, beating estimates of $3.05 billion.",
        String(repeating: "Quarry indexes documents and answers questions with exact citations, page numbers and boxes on the page. ", count: 20),
    ]

    /// What the int8 codes are calibrated on (`PackedLinear.smoothing`): prose, a question, a
    /// heading, a table row, code, a log line, a citation, a long passage; none of the gate's texts
    /// nor the reference sentences the tests hold the path to.
    static let int8CalibrationTexts = [
        "How do I reset my password if I no longer have access to my email?",
        "Chapter 3: Installation and first steps",
        "The committee approved the budget after a lengthy debate about the cost of renewable energy projects in rural areas.",
        "| Model | Parameters | Accuracy |\n| ResNet-50 | 25.6M | 76.1% |",
        "def merge(a, b):\n    return sorted(a + b, key=lambda item: item.timestamp)",
        "2024-03-18T09:12:44Z WARN connection pool exhausted (max=64), retrying in 250ms",
        "Smith, J. and Lee, K. (2019). Protein folding in crowded cellular environments. Nature 571, 112-118.",
        String(repeating: "Patients in the treatment group showed a significant reduction in blood pressure after twelve weeks, "
               + "while the control group showed no change; adverse events were mild and resolved without intervention. ", count: 6),
    ]

    /// `threads`: workers for each encoder step (default: every CPU the process may use, the
    /// pool the embedded index's scan shares). `documentPrecision`: `.int8` keeps int8 codes of
    /// the weights beside the halves (11 MB more) and embeds documents with them, if the path
    /// passes its gate (`int8Refusal` says why not); `int8MinimumCosine` is for tests.
    public init(directory: String, threads: Int? = nil, documentPrecision: BertEncoder.Precision = .half,
                int8MinimumCosine: Double = MiniLMEmbedder.int8MinimumCosine) throws(LoadError) {
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
            let path = directory + "/model.safetensors"
            let half = BertEncoder(configuration: configuration, weights: try BertWeights(SafeTensors(path: path), configuration), threads: threads)
            if documentPrecision == .int8 {
                // The int8 codes are smoothed by the ranges the half path's activations reach on texts
                // of their own, none of them the gate's.
                let tokenizer = self.tokenizer
                let ranges = half.activationRanges(Self.int8CalibrationTexts.map { tokenizer.encode($0, maxLength: Self.maxTokens) })
                let weights = try BertWeights(SafeTensors(path: path), configuration, int8: true, ranges: ranges)
                encoder = BertEncoder(configuration: configuration, weights: weights, threads: threads)
            } else {
                encoder = half
            }
        } catch {
            throw .weights(error)
        }
        if documentPrecision == .int8, let worst = Self.int8Cosine(encoder, tokenizer), worst < int8MinimumCosine {
            self.documentPrecision = .half
            int8Refusal = "the int8 path embeds the gate's texts at cosine \(String(format: "%.4f", worst)) to the half path at worst, "
                + "below \(int8MinimumCosine): documents are embedded in half precision"
        } else {
            self.documentPrecision = documentPrecision
            int8Refusal = nil
        }
    }

    /// The worst cosine of a gate text's int8 embedding to its half one (nil without int8 codes).
    static func int8Cosine(_ encoder: BertEncoder, _ tokenizer: WordPieceTokenizer) -> Double? {
        guard encoder.hasInt8 else { return nil }
        let ids = int8GateTexts.map { tokenizer.encode($0, maxLength: maxTokens) }
        let (half, int8) = (encoder.embed(ids), encoder.embed(ids, precision: .int8))
        return zip(half, int8).map { a, b in zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }.min()  // unit length
    }

    public var modelName: String { Self.modelName }
    public var dimensions: Int { encoder.configuration.hiddenSize }

    /// A large batch runs on a queue of its own: encoding is seconds of CPU, which must not hold
    /// one of the few threads of Swift's cooperative pool that serve requests; and it runs in the
    /// background, giving way to questions step by step (`BertEncoder.embed`). A question is
    /// encoded on the caller's thread: the hop to the queue and back wakes two threads, 0.3–0.5 ms
    /// each in these VMs, against 3–5 ms of encoding (interleaved runs of `quarry bench query` at
    /// 100k chunks: p50 lower in five of five pairs, by 0.6–3.5 ms).
    public func embed(_ texts: [String], for use: EmbeddingUse) async throws -> Embeddings {
        if use == .query, texts.count == 1, texts[0].utf8.count <= Self.inlineBytes {
            return encode(tokens(texts), background: false, precision: .half)
        }
        let precision = use == .document ? documentPrecision : .half
        return await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: encode(tokens(texts), background: true, precision: precision)) }
        }
    }

    /// The longest single text encoded on the caller's thread: a question. 512 bytes are at most
    /// the encoder's 256 tokens; a typical question of 20–30 tokens takes 3–5 ms.
    static let inlineBytes = 512

    private func encode(_ ids: [[Int32]], background: Bool, precision: BertEncoder.Precision) -> Embeddings {
        Embeddings(vectors: encoder.embed(ids, background: background, precision: precision), tokenCount: ids.reduce(0) { $0 + $1.count })
    }

    private static let queue = DispatchQueue(label: "quarry.embedding", qos: .userInitiated, attributes: .concurrent)

    /// The model's input ids for each text, [CLS] and [SEP] included, truncated to 256.
    public func tokens(_ texts: [String]) -> [[Int32]] {
        texts.map { tokenizer.encode($0, maxLength: Self.maxTokens) }
    }
}
