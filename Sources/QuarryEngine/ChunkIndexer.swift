import QuarryCore

/// Chunks documents, embeds the chunks in batches and upserts them, dense vector and BM25 terms
/// together, into the index: the indexing half of ingest, shared by ingest jobs and evaluation.
public struct ChunkIndexer: Sendable {
    public let chunker: Chunker
    public let embedder: any Embedder
    public let index: any VectorIndex
    public let analyzer: TextAnalyzer
    /// Chunks embedded per call: large enough to keep every core busy.
    public var batchSize = 64

    public init(chunker: Chunker, embedder: any Embedder, index: any VectorIndex, analyzer: TextAnalyzer = TextAnalyzer()) {
        self.chunker = chunker
        self.embedder = embedder
        self.index = index
        self.analyzer = analyzer
    }

    /// Indexes the documents' chunks; returns the chunks made.
    @discardableResult
    public func index(_ documents: [Document]) async throws -> [Chunk] {
        let chunks = documents.flatMap { chunker.chunks(of: $0) }
        let metadata = Dictionary(documents.map { ($0.id, $0.metadata) }, uniquingKeysWith: { first, _ in first })
        try await index(chunks, metadata: metadata)
        return chunks
    }

    /// Embeds and upserts `chunks` batch by batch (each batch one write), reporting the chunks done.
    /// A batch's write runs while the next batch is embedded, so the encoder does not wait on the
    /// store's commit; at most one write is in flight, and none is left running when this returns
    /// or throws.
    public func index(_ chunks: [Chunk], metadata: [String: [String: String]], progress: (Int) async throws -> Void = { _ in }) async throws {
        var writing: Task<Void, any Error>?
        var written = 0
        do {
            var start = 0
            while start < chunks.count {
                let batch = chunks[start..<min(start + batchSize, chunks.count)]
                let points = try await points(batch, metadata: metadata)
                if let writing {
                    try await writing.value
                    try await progress(written)
                }
                let index = index
                writing = Task { try await index.upsert(points) }
                start += batch.count
                written = start
            }
            try await writing?.value
            writing = nil
            if written > 0 { try await progress(written) }
        } catch {
            _ = await writing?.result  // a write begun is waited for: nothing lands after an error is reported
            throw error
        }
    }

    /// A batch embedded, with its BM25 terms and metadata: what one upsert writes.
    func points(_ batch: ArraySlice<Chunk>, metadata: [String: [String: String]]) async throws -> [IndexPoint] {
        let texts = batch.map(\.indexText)
        let vectors = try await embedder.embed(texts, for: .document).vectors
        return zip(batch, zip(vectors, texts)).map { chunk, pair in
            IndexPoint(chunkId: chunk.id, tenant: chunk.tenant, documentId: chunk.documentId, vector: pair.0,
                       terms: analyzer.terms(pair.1), metadata: metadata[chunk.documentId] ?? [:], page: chunk.pageStart)
        }
    }
}

extension Chunk {
    /// What is embedded and BM25-indexed for the chunk: its text, led by the headings above it when
    /// the text does not start with them, so a chunk deep in a section still carries its context.
    public var indexText: String {
        guard let heading = headingPath.last, !text.hasPrefix(heading) else { return text }
        return headingPath.joined(separator: " › ") + "\n" + text
    }
}
