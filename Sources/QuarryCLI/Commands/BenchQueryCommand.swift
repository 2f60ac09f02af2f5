import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEmbedding
import QuarryEngine
import QuarryQdrant

extension BenchCommand {
    /// `quarry bench query`: `rag_query_latency_ms` at growing index sizes, on the vector store the
    /// settings select (embedded, or a throwaway Qdrant collection per size).
    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Query latency (p50, p99) at several index sizes, answer none and extractive, cache miss and hit.",
            discussion: """
            Indexes a BEIR corpus (chunked and embedded as ingest does; cached in --export), then pads \
            it to each size with generated chunks: sentences drawn from the corpus, vectors mixed \
            from two real chunks'. Every test query is then asked through the same Retriever as \
            POST /api/v1/rag/query, timed end to end. --export also leaves the chunks, vectors and \
            queries for scripts/bench/query.py's peers.
            """
        )

        @OptionGroup var options: ConfigurationOptions
        @Option(help: "A BEIR-format folder.") var dataset = "../shared/datasets/beir/scifact"
        @Option(help: "Index sizes in chunks, comma-separated.") var chunks = "10000,100000"
        @Option(help: "Folder for the embedded corpus (reused when present) and the peers' data.") var export = ".quarry-bench/query"
        @Option(name: .customLong("top-k"), help: "Chunks per answer.") var topK = 5
        @Flag(help: "Print JSON.") var json = false

        struct Result: Codable {
            let chunks: Int
            let answer: String
            let cache: String
            let queries: Int
            let p50Milliseconds: Double
            let p99Milliseconds: Double
            /// Each stage's median, from the responses' own timings.
            let stageP50Milliseconds: [String: Double]
        }

        func validate() throws {
            guard (1...QueryRequest.maxTopK).contains(topK) else { throw ValidationError("--top-k must be between 1 and \(QueryRequest.maxTopK)") }
            guard chunks.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({ (Int($0) ?? 0) >= 1 }) else {
                throw ValidationError("--chunks takes whole numbers of at least 1, comma-separated: '\(chunks)'")
            }
        }

        func run() async throws {
            let settings = try await reportingStartupErrors { try options.settings() }
            let embedder = try await reportingStartupErrors { try Model.embedder(settings) }
            let data: BEIRDataset
            do { data = try BEIRDataset(directory: dataset) } catch { throw ValidationError(error.description) }
            let sizes = chunks.split(separator: ",").compactMap { Int($0) }.sorted()
            guard let largest = sizes.last, largest > 0 else { throw ValidationError("--chunks needs sizes, e.g. 10000,100000") }
            try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true)

            let corpus = try await BenchCorpus.load(data, embedder: embedder, directory: export)
            let all = corpus.padded(to: largest)
            try all.export(to: export, queries: data.queries)
            FileHandle.standardError.write(Data("corpus: \(corpus.texts.count) real chunks, padded to \(all.texts.count)\n".utf8))

            var results: [Result] = []
            for size in sizes {
                let (retriever, cached, index, directory) = try await Self.engine(all, size: size, embedder: embedder, settings: settings)
                defer { try? FileManager.default.removeItem(at: directory) }  // 160 MB a run at 100k
                for answer in [QueryRequest.AnswerMode.none, .extractive] {
                    let requests = data.queries.map { QueryRequest(query: $0.text, topK: topK, answer: answer) }
                    for request in requests.prefix(20) { _ = try await retriever.query(request, tenant: BenchCorpus.tenant) }  // warm up
                    let miss = try await Self.latencies(requests, retriever)
                    _ = try await Self.latencies(requests, cached)  // fills the cache
                    let hit = try await Self.latencies(requests, cached)
                    for (cache, measured) in [("miss", miss), ("hit", hit)] {
                        let values = measured.map(\.milliseconds)
                        let stages = Set(measured.flatMap(\.stages.keys)).sorted()
                        let medians = Dictionary(uniqueKeysWithValues: stages.map { stage in
                            (stage, Self.percentile(measured.compactMap { $0.stages[stage] }, 0.5))
                        })
                        results.append(Result(chunks: size, answer: answer.rawValue, cache: cache, queries: values.count,
                                              p50Milliseconds: Self.percentile(values, 0.5), p99Milliseconds: Self.percentile(values, 0.99),
                                              stageP50Milliseconds: medians))
                    }
                }
                try? await (index as? QdrantVectorIndex)?.dropCollection()
            }
            if json {
                print(try DocumentOutput.json(results))
            } else {
                for result in results {
                    let stages = result.stageP50Milliseconds.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }
                    print(String(format: "%7d chunks, answer %-10@ cache %-4@: p50 %.3f ms, p99 %.3f ms (%d queries); stage p50s: ", result.chunks,
                                 result.answer, result.cache, result.p50Milliseconds, result.p99Milliseconds, result.queries) + stages.joined(separator: ", "))
                }
            }
        }

        /// An index and store holding the first `size` chunks in a fresh temporary directory; a
        /// retriever without a cache and one with.
        static func engine(_ corpus: BenchCorpus, size: Int, embedder: any Embedder, settings: Settings) async throws
            -> (Retriever, Retriever, any VectorIndex, URL)
        {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let database = try SQLiteDatabase(path: directory.path + "/quarry.sqlite")
            try database.execute("PRAGMA synchronous = OFF")  // a throwaway copy: no fsync per document while loading
            let store = try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files"))
            let index = try VectorStores.open(settings, database: nil, dimensions: embedder.dimensions, collection: "quarry_bench_\(size)")
            if let qdrant = index as? QdrantVectorIndex { try await qdrant.dropCollection() }  // a fresh one, whatever an earlier run left
            try await corpus.load(into: index, store: store, count: size)
            // The load leaves ~160 MB of dirty pages at 100k (no fsync while loading), which the
            // kernel writes back 30 s later, in the middle of the first measurements: written now,
            // as a server's would have been long before it is asked anything.
            try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            sync()
            let (fusion, generation) = (settings.fusion, { @Sendable in index.generation })
            let plain = Retriever(store: store, index: index, embedder: embedder, cache: nil, fusion: fusion, generation: generation)
            let cached = Retriever(store: store, index: index, embedder: embedder, cache: QueryCache(capacity: 10_000), fusion: fusion, generation: generation)
            return (plain, cached, index, directory)
        }

        struct Measured {
            let milliseconds: Double
            let stages: [String: Double]
        }

        static func latencies(_ requests: [QueryRequest], _ retriever: Retriever) async throws -> [Measured] {
            var values: [Measured] = []
            for request in requests {
                let start = ContinuousClock.now
                let response = try await retriever.query(request, tenant: BenchCorpus.tenant)
                values.append(Measured(milliseconds: (ContinuousClock.now - start).seconds * 1000, stages: response.timings))
            }
            return values
        }

        static func percentile(_ values: [Double], _ fraction: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
        }
    }
}
