import Foundation
import QuarryCore

/// Runs a BEIR data set through Quarry's own pipeline: every passage chunked, embedded and
/// indexed, every test query answered by the index, chunks scored up to their documents (a
/// document scores as its best chunk), and the run measured against the judgements.
public struct Evaluator: Sendable {
    public let indexer: ChunkIndexer
    /// Chunks retrieved per query: the run's depth. Hybrid fuses the same candidates a served
    /// query does (``IndexQuery/defaultCandidates`` per retriever), so it measures what users get.
    public var depth = 1000
    public static let tenant = "evaluation"

    public init(indexer: ChunkIndexer) {
        self.indexer = indexer
    }

    /// One way of retrieving: a mode, and for hybrid the fusion.
    public struct Variant: Sendable, Codable, Equatable {
        public var mode: RetrievalMode
        public var fusion: Fusion

        public init(mode: RetrievalMode, fusion: Fusion = .standard) {
            self.mode = mode
            self.fusion = fusion
        }

        /// `hybrid`, `dense`, `sparse`; `hybrid-rrf` for hybrid with reciprocal rank fusion.
        public var name: String {
            guard mode == .hybrid, case .reciprocalRank = fusion else { return mode.rawValue }
            return "hybrid-rrf"
        }
    }

    public struct Result: Sendable, Codable {
        public var dataset: String
        public var variant: Variant
        public var metrics: RetrievalMetrics.Summary
        public var documents: Int
        public var chunks: Int
        public var indexSeconds: Double
        public var querySeconds: Double
        /// Document scores per query, for the TREC run file.
        public var run: RetrievalMetrics.Run
    }

    /// Indexes the data set once and runs its queries in each variant, in order.
    /// `progress(stage, done, total)`: "indexing" in passages, then "querying MODE" in queries.
    public func evaluate(
        _ dataset: BEIRDataset, variants: [Variant], progress: @Sendable (String, Int, Int) -> Void = { _, _, _ in }
    ) async throws -> [Result] {
        let clock = ContinuousClock()
        let indexStart = clock.now
        var chunks = 0
        let batch = 256
        for start in stride(from: 0, to: dataset.corpus.count, by: batch) {
            let passages = dataset.corpus[start..<min(start + batch, dataset.corpus.count)]
            chunks += try await indexer.index(passages.map { dataset.document($0, tenant: Self.tenant) }).count
            progress("indexing", start + passages.count, dataset.corpus.count)
        }
        let indexSeconds = (clock.now - indexStart).seconds
        var results: [Result] = []
        for variant in variants {
            let (run, seconds) = try await self.run(dataset, variant: variant) { progress("querying \(variant.name)", $0, $1) }
            results.append(Result(
                dataset: dataset.name, variant: variant, metrics: RetrievalMetrics.evaluate(run, dataset.qrels), documents: dataset.corpus.count,
                chunks: chunks, indexSeconds: indexSeconds, querySeconds: seconds, run: run
            ))
        }
        return results
    }

    /// Every test query's document scores in `variant`, and the seconds they took.
    func run(_ dataset: BEIRDataset, variant: Variant, progress: (Int, Int) -> Void) async throws -> (RetrievalMetrics.Run, Double) {
        let mode = variant.mode
        let clock = ContinuousClock()
        let queryStart = clock.now
        var run: RetrievalMetrics.Run = [:]
        for start in stride(from: 0, to: dataset.queries.count, by: 64) {
            let queries = Array(dataset.queries[start..<min(start + 64, dataset.queries.count)])
            let vectors = mode == .sparse ? queries.map { _ in [Float]() } : try await indexer.embedder.embed(queries.map(\.text)).vectors
            for (query, vector) in zip(queries, vectors) {
                let hits = try await indexer.index.search(IndexQuery(
                    tenant: Self.tenant, mode: mode, vector: vector, terms: indexer.analyzer.terms(query.text),
                    limit: depth, candidates: mode == .hybrid ? IndexQuery.defaultCandidates : depth, fusion: variant.fusion
                ))
                var scores: [String: Double] = [:]
                for hit in hits where scores[hit.documentId] == nil { scores[hit.documentId] = hit.score }  // best chunk first
                run[query.id] = scores
            }
            progress(start + queries.count, dataset.queries.count)
        }
        return (run, (clock.now - queryStart).seconds)
    }
}
