import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEngine
import QuarryMongo
import QuarryQdrant
import QuarryTestSupport
import Testing

/// A production back end taken away in the middle of an ingest job and brought back: the job
/// fails, the queue retries it, and the document ends indexed with every chunk once in the store
/// (MongoDB) and in the index (Qdrant).
@Suite("back end outage during ingest")
struct IngestFaultTests {
    enum Failing: String, CaseIterable, CustomTestStringConvertible {
        case qdrant, mongodb
        var testDescription: String { rawValue }
    }

    /// Vectors fixed by the text (not a model): the fault, not the ranking, is under test.
    struct TextHashEmbedder: Embedder {
        var modelName: String { "text-hash" }
        var dimensions: Int { IndexBackend.dimensions }
        let onEmbed: @Sendable (Int) async -> Void
        let calls = Counter()

        func embed(_ texts: [String], for use: EmbeddingUse) async throws -> Embeddings {
            await onEmbed(await calls.next())
            return Embeddings(vectors: texts.map { unitVector(Int($0.utf8.reduce(5381) { $0 &* 33 &+ UInt32($1) })) },
                              tokenCount: texts.count)
        }
    }

    actor Counter {
        var value = 0
        func next() -> Int {
            value += 1
            return value
        }
    }

    struct WordCounter: TokenCounter {
        func countTokens(_ text: ArraySlice<Unicode.Scalar>) -> Int {
            String(String.UnicodeScalarView(text)).split(separator: " ").count
        }
    }

    @Test("stop a back end during an index job, start it again: the retried job completes without duplicates", arguments: Failing.allCases)
    func outageMidIngest(failing: Failing) async throws {
        let qdrant = try QdrantTestServer()
        let mongo = try MongoTestServer()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = MongoDocumentStore(client: try MongoClient(uri: mongo.uri()))
        let queue = try SQLiteJobQueue(database: SQLiteDatabase(path: directory.path + "/quarry.sqlite"),
                                       backoff: Backoff(minimum: .milliseconds(50), maximum: .milliseconds(200)))
        let index = QdrantVectorIndex(configuration: QdrantConfiguration(url: qdrant.url, collection: "ingest", dimensions: IndexBackend.dimensions))
        // The third embedding batch finds the back end gone: two batches of chunks are in, the rest not.
        let embedder = TextHashEmbedder { call in
            guard call == 3 else { return }
            if failing == .qdrant { qdrant.stop() } else { mongo.stop() }
        }
        var indexer = ChunkIndexer(chunker: Chunker(counter: WordCounter(), options: ChunkerOptions(maxTokens: 40, overlapTokens: 0)), embedder: embedder, index: index)
        indexer.batchSize = 4
        let pipeline = IngestPipeline(store: store, queue: queue, indexer: indexer, fetcher: NoNetwork())
        let worker = JobWorker(queue: queue, queueName: IngestPipeline.queueName, actors: pipeline.actors)

        let text = (0..<200).map { "Sentence \($0) tells of tides, moons and the sea floor." }.joined(separator: " ")
        let record = try await pipeline.submit(Data(text.utf8), tenant: "acme", uri: "file:///tides.txt", filename: "tides.txt").record
        #expect(try await worker.runOne())
        if failing == .qdrant { try qdrant.start() } else { try mongo.start() }
        let failed = try #require(try await store.record(record.id, tenant: "acme"))
        #expect(failed.status != .indexed)

        let deadline = ContinuousClock.now + .seconds(30)
        while try await store.record(record.id, tenant: "acme")?.status != .indexed, ContinuousClock.now < deadline {
            if try await !worker.runOne() { try await Task.sleep(for: .milliseconds(50)) }
        }
        let indexed = try #require(try await store.record(record.id, tenant: "acme"))
        #expect(indexed.status == .indexed && indexed.chunks > 12)
        #expect(try await index.count(tenant: "acme") == indexed.chunks)
        let stored = try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: TextAnalyzer().terms("tides"), limit: 1000))
        #expect(stored.count == indexed.chunks && Set(stored.map(\.chunkId)).count == indexed.chunks)
        #expect(try await store.chunks(stored.map(\.chunkId), tenant: "acme").count == indexed.chunks)
    }
}
