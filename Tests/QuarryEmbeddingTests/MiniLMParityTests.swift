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

    /// The int8 path against the bar set for it (issue 27's quality gate): each reference text,
    /// the 256-token passage included, at cosine ≥ 0.995 to sentence-transformers' float embedding.
    /// Today it falls short on two of eight (the empty text, the long passage); the numbers are
    /// in Docs/PERFORMANCE.md. So an embedder asked for int8 refuses it and says why, and with the
    /// bar lowered (as a test may) it takes it for documents, never for questions.
    @Test("the int8 path: below the bar, asked-for int8 is refused and documents stay half; with the bar lowered documents take it, questions never")
    func int8Documents() async throws {
        let reference = try Self.reference()
        let refusing = try MiniLMEmbedder(directory: ModelFiles.directory, documentPrecision: .int8)
        let half = refusing.encoder.embed(refusing.tokens(reference.sentences))
        let int8 = refusing.encoder.embed(refusing.tokens(reference.sentences), precision: .int8)
        let cosines = reference.sentences.indices.map { Self.cosine(int8[$0], reference.embeddings[$0]) }
        print("int8 path, cosine to the reference per text: \(cosines.map { String(format: "%.5f", $0) })")
        #expect(cosines.allSatisfy { $0 >= 0.98 }, "the int8 path is near the model: \(cosines)")
        #expect(cosines.min()! < MiniLMEmbedder.int8MinimumCosine, "the int8 path now passes its bar: take it (and change this test)")
        #expect(refusing.documentPrecision == .half)
        #expect(refusing.int8Refusal?.contains("below 0.995: documents are embedded in half precision") == true, "\(refusing.int8Refusal ?? "")")
        #expect(try await refusing.embed(reference.sentences, for: .document).vectors == half)

        let taking = try MiniLMEmbedder(directory: ModelFiles.directory, documentPrecision: .int8, int8MinimumCosine: 0.98)
        #expect(taking.documentPrecision == .int8 && taking.int8Refusal == nil)
        #expect(try await taking.embed(reference.sentences, for: .document).vectors == int8)
        for (index, sentence) in reference.sentences.enumerated() {
            let question = try await taking.embed([sentence], for: .query).vectors[0]
            #expect(Self.cosine(question, half[index]) >= 0.999999, "a question takes the half path")
        }
        #expect(try await taking.embed(reference.sentences, for: .query).vectors == half, "texts to embed (the API's) take the half path")
    }
}
