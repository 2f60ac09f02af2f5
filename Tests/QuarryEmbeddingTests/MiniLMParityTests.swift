import Foundation
import QuarryEmbedding
import QuarryTestSupport
import Testing

/// The Swift encoder against sentence-transformers' own embeddings of the reference sentences.
@Suite("all-MiniLM-L6-v2 parity", .enabled(if: SharedData.isAvailable, "\(SharedData.missingReason)"))
struct MiniLMParityTests {
    static let embedder = try! MiniLMEmbedder(directory: ModelFiles.directory)

    struct Reference: Decodable {
        let sentences: [String]
        let embeddings: [[Float]]
        let token_ids: [[Int32]]
    }

    static func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: URL(fileURLWithPath: SharedData.path("reference/minilm-l6-v2-reference-embeddings.json"))))
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, normA = 0.0, normB = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            normA += Double(x) * Double(x)
            normB += Double(y) * Double(y)
        }
        return dot / (normA.squareRoot() * normB.squareRoot())
    }

    @Test("every reference sentence embeds at cosine ≥ 0.99999, one at a time and as one batch")
    func parity() async throws {
        let reference = try Self.reference()
        let batch = try await Self.embedder.embed(reference.sentences).vectors
        for (index, sentence) in reference.sentences.enumerated() {
            let single = try await Self.embedder.embed([sentence]).vectors[0]
            #expect(single.count == 384)
            let similarity = Self.cosine(single, reference.embeddings[index])
            #expect(similarity >= 0.99999, "sentence \(index) '\(sentence.prefix(40))': cosine \(similarity)")
            #expect(Self.cosine(batch[index], single) >= 0.999999, "batching changed sentence \(index)")
            let norm = single.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    /// Long inputs take the other paths through the encoder: steps split by rows across workers,
    /// several row blocks, attention over 256 positions.
    @Test("a long batch embeds the same with one worker or two, and as one batch or one by one")
    func longBatch() async throws {
        let single = try MiniLMEmbedder(directory: ModelFiles.directory, threads: 1)
        let reference = try Self.reference()
        let texts = reference.sentences.enumerated().map { index, sentence in
            Array(repeating: sentence, count: 6 + 5 * index).joined(separator: " ")
        }
        let tokens = single.tokens(texts)
        #expect(tokens.reduce(0) { $0 + $1.count } > 4 * 96, "the batch must be long enough to split by rows")
        #expect(tokens.contains { $0.count == MiniLMEmbedder.maxTokens })
        let oneWorker = try await single.embed(texts).vectors
        let twoWorkers = try await MiniLMEmbedder(directory: ModelFiles.directory, threads: 2).embed(texts).vectors
        for (index, text) in texts.enumerated() {
            let alone = try await single.embed([text]).vectors[0]
            #expect(Self.cosine(oneWorker[index], twoWorkers[index]) >= 0.999999, "workers changed input \(index)")
            #expect(Self.cosine(oneWorker[index], alone) >= 0.999999, "batching changed input \(index)")
        }
    }

    /// A batch in the background runs its steps in slabs of rows and groups of heads, each a run
    /// of its own: the same arithmetic per row, so the same bits.
    @Test("a batch embedded in the background, its steps cut into short runs, gives the same bits as in one run a step")
    func backgroundBatch() throws {
        let embedder = try MiniLMEmbedder(directory: ModelFiles.directory, threads: 2)
        let texts = try Self.reference().sentences.enumerated().map { index, sentence in
            Array(repeating: sentence, count: 4 + 7 * index).joined(separator: " ")
        }
        let tokens = embedder.tokens(texts)
        #expect(tokens.reduce(0) { $0 + $1.count } > 4 * 192, "the batch must span several slabs of 192 rows")
        #expect(embedder.encoder.embed(tokens, background: true) == embedder.encoder.embed(tokens, background: false))
    }
}
