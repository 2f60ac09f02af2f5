import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEmbedding
import QuarryEngine

/// The query benchmark's data: a BEIR corpus chunked and embedded as ingest does it (cached on
/// disk, since embedding it takes minutes), padded with generated chunks to any size.
struct BenchCorpus {
    static let tenant = "bench"
    var chunkIds: [String] = []
    var documentIds: [String] = []
    var texts: [String] = []
    /// Row-major, `dimensions` floats a chunk.
    var vectors: [Float] = []
    var dimensions = 0

    struct Line: Codable {
        let id: String
        let document: String
        let text: String
    }

    /// The corpus from `directory`'s cache, or chunked and embedded now and cached there.
    static func load(_ data: BEIRDataset, embedder: MiniLMEmbedder, directory: String) async throws -> BenchCorpus {
        let chunkFile = directory + "/corpus-\(data.name)-chunks.jsonl", vectorFile = directory + "/corpus-\(data.name)-vectors.f32"
        if let cached = try? read(chunks: chunkFile, vectors: vectorFile, dimensions: embedder.dimensions) { return cached }
        let chunker = Chunker(counter: embedder.tokenizer)
        var corpus = BenchCorpus(dimensions: embedder.dimensions)
        let chunks = data.corpus.flatMap { chunker.chunks(of: data.document($0, tenant: tenant)) }
        let progress = ProgressLine()
        for start in stride(from: 0, to: chunks.count, by: 128) {
            let batch = Array(chunks[start..<min(start + 128, chunks.count)])
            let vectors = try await embedder.embed(batch.map(\.indexText), for: .document).vectors
            for (chunk, vector) in zip(batch, vectors) {
                corpus.chunkIds.append(chunk.id)
                corpus.documentIds.append(chunk.documentId)
                corpus.texts.append(chunk.indexText)
                corpus.vectors += vector
            }
            progress.update("embedding the corpus: \(start + batch.count)/\(chunks.count) chunks", done: start + batch.count == chunks.count)
        }
        try corpus.write(chunks: chunkFile, vectors: vectorFile)
        return corpus
    }

    static func read(chunks: String, vectors: String, dimensions: Int) throws -> BenchCorpus {
        let lines = try Data(contentsOf: URL(fileURLWithPath: chunks)).split(separator: UInt8(ascii: "\n"))
            .map { try JSONDecoder().decode(Line.self, from: $0) }
        let floats = try Data(contentsOf: URL(fileURLWithPath: vectors)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        guard !lines.isEmpty, floats.count == lines.count * dimensions else { throw CocoaError(.fileReadCorruptFile) }
        return BenchCorpus(chunkIds: lines.map(\.id), documentIds: lines.map(\.document), texts: lines.map(\.text),
                           vectors: floats, dimensions: dimensions)
    }

    func write(chunks: String, vectors: String) throws {
        let encoder = JSONEncoder()
        var data = Data()
        for index in texts.indices {
            data += try encoder.encode(Line(id: chunkIds[index], document: documentIds[index], text: texts[index]))
            data += Data("\n".utf8)
        }
        try data.write(to: URL(fileURLWithPath: chunks))
        try self.vectors.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: vectors)) }
    }

    /// This corpus followed by generated chunks up to `count`: 4–8 sentences drawn from the corpus,
    /// a vector mixed from two real ones (0.7 and 0.3, normalised). Deterministic.
    func padded(to count: Int) -> BenchCorpus {
        guard count > texts.count else { return self }
        var result = self
        let sentences = texts.flatMap { $0.split(separator: ". ").map(String.init) }
        var generator = SeededGenerator(seed: 2026)
        let real = texts.count
        for n in 0..<(count - real) {
            let length = Int.random(in: 4...8, using: &generator)
            result.texts.append((0..<length).map { _ in sentences.randomElement(using: &generator)! }.joined(separator: ". ") + ".")
            result.chunkIds.append("generated-\(n)")
            result.documentIds.append("generated-\(n / 10)")
            let a = Int.random(in: 0..<real, using: &generator) * dimensions, b = Int.random(in: 0..<real, using: &generator) * dimensions
            var mixed = (0..<dimensions).map { 0.7 * vectors[a + $0] + 0.3 * vectors[b + $0] }
            let norm = mixed.reduce(0) { $0 + $1 * $1 }.squareRoot()
            mixed = mixed.map { $0 / norm }
            result.vectors += mixed
        }
        return result
    }

    /// The peers' input: chunks.jsonl (`id`, `text`, in index order), vectors.f32 (row-major
    /// little-endian float32), queries.jsonl (`id`, `text`).
    func export(to directory: String, queries: [BEIRDataset.Query]) throws {
        try write(chunks: directory + "/chunks.jsonl", vectors: directory + "/vectors.f32")
        let lines = try queries.map { String(decoding: try JSONSerialization.data(withJSONObject: ["id": $0.id, "text": $0.text]), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/queries.jsonl", atomically: true, encoding: .utf8)
    }

    /// Puts the first `count` chunks into `index` and `store` as ingest would have.
    func load(into index: any VectorIndex, store: SQLiteDocumentStore, count: Int) async throws {
        let analyzer = TextAnalyzer()
        let limit = min(count, texts.count)
        // Batches of 500: one request each to a remote index, well under its body limits.
        for start in stride(from: 0, to: limit, by: 500) {
            let range = start..<min(start + 500, limit)
            try await index.upsert(range.map { n in
                IndexPoint(chunkId: chunkIds[n], tenant: Self.tenant, documentId: documentIds[n],
                           vector: Array(vectors[(n * dimensions)..<((n + 1) * dimensions)]), terms: analyzer.terms(texts[n]))
            })
        }
        var byDocument: [String: [Chunk]] = [:]
        for n in 0..<limit {
            let text = texts[n]
            byDocument[documentIds[n], default: []].append(Chunk(
                id: chunkIds[n], documentId: documentIds[n], tenant: Self.tenant, ordinal: byDocument[documentIds[n]]?.count ?? 0, text: text,
                headingPath: [], pageStart: 1, pageEnd: 1, spans: [Chunk.Span(page: 1, start: 0, end: text.unicodeScalars.count)], boxes: [],
                tokenCount: 0
            ))
        }
        for (document, chunks) in byDocument {
            try await store.save(DocumentRecord(id: document, tenant: Self.tenant, source: Document.Source(uri: "bench:\(document)", filename: nil, mediaType: .plainText),
                                                title: document, status: .indexed, chunks: chunks.count, chunksIndexed: chunks.count))
            try await store.saveChunks(chunks, document: document, tenant: Self.tenant)
        }
    }
}
