import ArgumentParser
import CKernels
import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEmbedding
import QuarryEngine

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
            /// The index's dense top 10 and top 100 against exact search at this size (the same for
            /// every row of a size): what the approximate search's speed is bought with. The bar
            /// is recall@10 ≥ 0.99; a hybrid query fuses the dense top 100.
            let denseRecallAt10: Double
            let denseRecallAt100: Double
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
                let recall = try await Self.denseRecall(all, size: size, queries: data.queries.map(\.text), embedder: embedder, index: index)
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
                                              stageP50Milliseconds: medians, denseRecallAt10: recall.at10, denseRecallAt100: recall.at100))
                    }
                }
                try? await index.discard()  // a throwaway index: a Qdrant collection of its own, or memory
            }
            if json {
                print(try DocumentOutput.json(results))
            } else {
                for result in results {
                    let stages = result.stageP50Milliseconds.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }
                    print(String(format: "%7d chunks, answer %-10@ cache %-4@: p50 %.3f ms, p99 %.3f ms (%d queries); stage p50s: ", result.chunks,
                                 result.answer, result.cache, result.p50Milliseconds, result.p99Milliseconds, result.queries) + stages.joined(separator: ", "))
                }
                for result in results where result.answer == "none" && result.cache == "miss" {
                    print(String(format: "%7d chunks, dense search against exact: recall@10 %.4f, recall@100 %.4f", result.chunks,
                                 result.denseRecallAt10, result.denseRecallAt100))
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
            try await index.discard()  // fresh, whatever an earlier run left in its Qdrant collection
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

        /// Recall@10 and @100 of the index's dense search against exact search (every row's float32
        /// inner product with the query) over `queries`.
        static func denseRecall(_ corpus: BenchCorpus, size: Int, queries: [String], embedder: any Embedder, index: any VectorIndex) async throws
            -> (at10: Double, at100: Double)
        {
            var found = [10: 0, 100: 0]
            var scores = [Float](repeating: 0, count: size)
            for text in queries {
                let vector = try await embedder.embed([text]).vectors[0]
                corpus.vectors.withUnsafeBufferPointer { quarry_dot_rows($0.baseAddress!, Int32(corpus.dimensions), 0, size, vector, &scores) }
                var best: [Int] = []  // the 100 best rows, best first
                for row in scores.indices where best.count < 100 || scores[row] > scores[best[99]] {
                    best.insert(row, at: best.firstIndex { scores[row] > scores[$0] } ?? best.count)
                    if best.count > 100 { best.removeLast() }
                }
                for depth in [10, 100] {
                    let hits = try await index.search(IndexQuery(tenant: BenchCorpus.tenant, mode: .dense, vector: vector, limit: depth))
                    let exact = Set(best.prefix(depth).map { corpus.chunkIds[$0] })
                    found[depth, default: 0] += hits.filter { exact.contains($0.chunkId) }.count
                }
            }
            return (Double(found[10] ?? 0) / Double(queries.count * 10), Double(found[100] ?? 0) / Double(queries.count * 100))
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
