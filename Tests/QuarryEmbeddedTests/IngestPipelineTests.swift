import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEngine
import QuarryTestSupport
import Testing

/// The ingest pipeline on the embedded store, queue and index, with a small deterministic embedder.
@Suite("ingest pipeline")
struct IngestPipelineTests {
    /// Vectors from the text's length and first letters: not a model, just a deterministic port.
    struct LetterEmbedder: Embedder {
        var modelName: String { "letters" }
        var dimensions: Int { 4 }
        let onEmbed: @Sendable () async -> Void

        func embed(_ texts: [String], for use: EmbeddingUse) async throws -> Embeddings {
            await onEmbed()
            return Embeddings(vectors: texts.map { text in
                let raw: [Float] = [Float(text.count % 7) + 1, Float(text.unicodeScalars.first?.value ?? 1), 1, 2]
                let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return raw.map { $0 / norm }
            }, tokenCount: texts.count)
        }
    }

    /// Counts words as tokens, for the chunker.
    struct WordCounter: TokenCounter {
        func countTokens(_ text: ArraySlice<Unicode.Scalar>) -> Int {
            String(String.UnicodeScalarView(text)).split(separator: " ").count
        }
    }

    static func pipeline(onEmbed: @escaping @Sendable () async -> Void = {}) throws -> (IngestPipeline, EmbeddedVectorIndex, SQLiteDocumentStore, SQLiteJobQueue) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: directory.path + "/quarry.sqlite")
        let index = try EmbeddedVectorIndex(database: database)
        let store = try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files"))
        let queue = try SQLiteJobQueue(database: database)
        let indexer = ChunkIndexer(chunker: Chunker(counter: WordCounter()), embedder: LetterEmbedder(onEmbed: onEmbed), index: index)
        return (IngestPipeline(store: store, queue: queue, indexer: indexer, fetcher: NoNetwork()), index, store, queue)
    }

    @Test("a job runs to indexed; the same job delivered again duplicates nothing")
    func redelivery() async throws {
        let (pipeline, index, store, queue) = try Self.pipeline()
        let text = (0..<40).map { "Sentence number \($0) about tides and the moon." }.joined(separator: " ")
        let record = try await pipeline.submit(Data(text.utf8), tenant: "acme", uri: "file:///tides.txt", filename: "tides.txt").record
        let job = try #require(try await queue.dequeue(queue: IngestPipeline.queueName, lease: .seconds(60)))
        try await pipeline.run(job)
        let indexed = try #require(try await store.record(record.id, tenant: "acme"))
        #expect(indexed.status == .indexed && indexed.chunks > 1 && indexed.chunksIndexed == indexed.chunks)
        try await pipeline.run(job)  // at-least-once: a second delivery
        #expect(try await index.count(tenant: "acme") == indexed.chunks)
    }

    @Test("a document deleted while its job runs stays deleted, with nothing left in the index")
    func deletedMidway() async throws {
        let deleter = Deleter()
        let (pipeline, index, store, queue) = try Self.pipeline(onEmbed: { await deleter.fire() })
        let text = (0..<200).map { "Line \($0) of a long report on harbour traffic." }.joined(separator: " ")
        let record = try await pipeline.submit(Data(text.utf8), tenant: "acme", uri: "file:///report.txt", filename: "report.txt").record
        await deleter.arm { try? await pipeline.delete(record.id, tenant: "acme") }
        let job = try #require(try await queue.dequeue(queue: IngestPipeline.queueName, lease: .seconds(60)))
        try await pipeline.run(job)
        #expect(try await store.record(record.id, tenant: "acme") == nil)
        #expect(try await index.count(tenant: "acme") == 0)
    }

    /// Runs an action once, at the first embedding: a delete arriving mid-ingest.
    actor Deleter {
        var action: (@Sendable () async -> Void)?
        func arm(_ action: @escaping @Sendable () async -> Void) { self.action = action }
        func fire() async {
            guard let action else { return }
            self.action = nil
            await action()
        }
    }
}
