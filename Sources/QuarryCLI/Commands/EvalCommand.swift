import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEmbedding
import QuarryEngine

extension RetrievalMode: ExpressibleByArgument {}
extension BertEncoder.Precision: ExpressibleByArgument {}

/// `quarry eval --dataset DIR`: retrieval quality on a BEIR data set, measured end to end.
public struct EvalCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Index a BEIR data set into a fresh index and measure retrieval.",
        discussion: """
        Prints nDCG@10, Recall@100, MRR@10 and MAP over the test queries (trec_eval's definitions; a \
        document scores as its best chunk) and writes the TREC run file and a markdown report to the \
        output folder as DATASET-MODE.trec and DATASET-MODE.md. A folder with passages.jsonl and \
        questions.jsonl (SQuAD-style) measures answers instead: how often the gold passage is cited, \
        how often the extractive answer holds a gold answer, how often unanswerable questions get \
        "no answer found" (DATASET-answers.md).

        The index is a fresh one, thrown away at the end, unless --data names a data directory:         then the data set is indexed there (tenant "evaluation"; chunk ids are deterministic, so a         second run rewrites the same points) and stays for `quarry ask` or another run.
        """
    )

    @OptionGroup var options: ConfigurationOptions
    @Option(help: "A BEIR-format folder: corpus.jsonl, queries.jsonl, qrels/test.tsv.") var dataset: String
    @Option(help: "hybrid, dense or sparse; repeat to measure several modes over one index.") var mode: [RetrievalMode] = [.hybrid]
    @Option(help: "Fusion for hybrid: weighted (min-max normalised, equal weights) or rrf (k 60); repeat for both.")
    var fusion: [FusionChoice] = [.weighted]
    @Option(help: "Where the run file and the report go.") var output = "eval/results"

    enum FusionChoice: String, ExpressibleByArgument {
        case rrf, weighted
        var fusion: Fusion { self == .rrf ? .reciprocalRank() : .standard }
    }
    @Flag(help: "Print one JSON object with ndcg@10, recall@100, mrr@10, map (one per mode, keyed by mode, for several).") var json = false

    public init() {}

    public func run() async throws {
        let settings = try await reportingStartupErrors { try options.settings() }
        let embedder = try await reportingStartupErrors { try Model.embedder(settings) }
        if FileManager.default.fileExists(atPath: dataset + "/questions.jsonl") { return try await answers(embedder, settings: settings) }
        let data: BEIRDataset
        do { data = try BEIRDataset(directory: dataset) } catch {
            FileHandle.standardError.write(Data("quarry eval: \(error.description)\n".utf8))
            throw ExitCode(66)
        }
        let kept = try await reportingStartupErrors { try keptDatabase(settings) }
        // BM25's k1 and b come from the settings, as for the server; fusion from --fusion.
        let index = try await openIndex(settings, database: kept, dimensions: embedder.dimensions)
        let indexer = ChunkIndexer(chunker: Chunker(counter: embedder.tokenizer), embedder: embedder, index: index)
        let progress = ProgressLine()
        var variants: [Evaluator.Variant] = []
        for mode in mode {
            for fusion in mode == .hybrid ? fusion.map(\.fusion) : [Fusion.standard] {
                let variant = Evaluator.Variant(mode: mode, fusion: fusion)
                if !variants.contains(variant) { variants.append(variant) }
            }
        }
        let results = try await discardingAfter(index) {
            try await Evaluator(indexer: indexer).evaluate(data, variants: variants) { stage, done, total in
                progress.update("\(stage): \(done)/\(total)", done: done == total)
            }
        }
        for result in results { try writeFiles(result, dataset: data, vectorStore: settings.vectorStore) }
        if json {
            print(results.count == 1
                ? try DocumentOutput.json(results[0].metrics)
                : try DocumentOutput.json(Dictionary(uniqueKeysWithValues: results.map { ($0.variant.name, $0.metrics) })))
        } else {
            for result in results { print("\(result.variant.name):\n\(Self.table(result))") }
        }
    }

    /// The run file and the report; the report names the vector store, as results differ by it
    /// (Qdrant's dense search is its own; its BM25 takes Qdrant's IDF).
    func writeFiles(_ result: Evaluator.Result, dataset: BEIRDataset, vectorStore: Settings.Backend) throws {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let name = result.variant.name
        let stem = "\(output)/\(result.dataset)-\(name)"
        try TrecRun.format(result.run, tag: "quarry-\(name)").write(toFile: stem + ".trec", atomically: true, encoding: .utf8)
        let report = """
        # \(result.dataset), \(name)

        \(Self.table(result))

        \(result.documents) passages in \(result.chunks) chunks, indexed in \(String(format: "%.1f", result.indexSeconds)) s; \
        \(result.metrics.queries) queries in \(String(format: "%.1f", result.querySeconds)) s, vector store: \(vectorStore.rawValue). \
        Run file: `\(result.dataset)-\(name).trec`.
        Reproduce: `quarry eval --dataset DIR --mode \(result.variant.mode.rawValue)\(name == "hybrid-rrf" ? " --fusion rrf" : "")` (written \(ISO8601DateFormatter().string(from: Date()))).

        """
        try report.write(toFile: stem + ".md", atomically: true, encoding: .utf8)
        // Each query's metrics and best passages, for the web UI's eval page (`eval_dir`).
        let record = EvalRecord(
            dataset: result.dataset, mode: name, run: result.run, qrels: dataset.qrels,
            queryTexts: Dictionary(dataset.queries.map { ($0.id, $0.text) }, uniquingKeysWith: { first, _ in first }), metrics: result.metrics,
            documents: result.documents, chunks: result.chunks, indexSeconds: result.indexSeconds, querySeconds: result.querySeconds,
            vectorStore: vectorStore.rawValue
        )
        try EvalRecord.encoder.encode(record).write(to: URL(fileURLWithPath: stem + ".json"), options: .atomic)
    }

    static func table(_ result: Evaluator.Result) -> String {
        let m = result.metrics
        return """
        | nDCG@10 | Recall@100 | MRR@10 | MAP | queries |
        |---:|---:|---:|---:|---:|
        | \(String(format: "%.4f", m.ndcgAt10)) | \(String(format: "%.4f", m.recallAt100)) | \(String(format: "%.4f", m.mrrAt10)) | \(String(format: "%.4f", m.map)) | \(m.queries) |
        """
    }

    /// The index the settings select, fresh unless `--data` was given: in memory (embedded) or a
    /// collection of the run's own (Qdrant), which ``discardingAfter(_:_:)`` drops at the end.
    func openIndex(_ settings: Settings, database: SQLiteDatabase?, dimensions: Int) async throws -> any VectorIndex {
        let collection = options.data == nil ? "quarry_eval_" + UUID().uuidString.prefix(8).lowercased() : nil
        let index = try VectorStores.open(settings, database: database, dimensions: dimensions, collection: collection)
        if let problem = await index.problem() {
            FileHandle.standardError.write(Data("quarry eval: \(problem)\n".utf8))
            throw ExitCode(69)  // EX_UNAVAILABLE
        }
        return index
    }

    /// Runs `body`, then drops a throwaway Qdrant collection, also when `body` fails (a kept one,
    /// with `--data`, stays).
    func discardingAfter<T>(_ index: any VectorIndex, _ body: () async throws -> T) async throws -> T {
        let throwaway = options.data == nil
        do {
            let result = try await body()
            if throwaway { try? await index.discard() }
            return result
        } catch {
            if throwaway { try? await index.discard() }
            throw error
        }
    }

    /// The data directory's database when `--data` was given, else nil (a fresh, in-memory index).
    func keptDatabase(_ settings: Settings) throws(ConfigurationError) -> SQLiteDatabase? {
        guard options.data != nil else { return nil }
        let directory = try DataDirectory.prepare(settings.dataDirectory)
        let path = directory.path + "/" + Backends.databaseName
        do { return try SQLiteDatabase(path: path) } catch {
            throw ConfigurationError(key: SettingKey.data.name, origin: path, reason: "cannot open the database: \(error)")
        }
    }

    /// A SQuAD-style folder: answers and citations, in a throwaway data directory unless `--data` is given.
    func answers(_ embedder: MiniLMEmbedder, settings: Settings) async throws {
        let (passages, questions) = try AnswerEvaluator.load(directory: dataset)
        let directory: URL
        let database: SQLiteDatabase
        if let kept = try await reportingStartupErrors({ try keptDatabase(settings) }) {
            directory = URL(fileURLWithPath: settings.dataDirectory)
            database = kept
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-eval-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            database = try SQLiteDatabase(path: directory.path + "/quarry.sqlite")
            try database.execute("PRAGMA synchronous = OFF")  // throwaway: no fsync per passage
        }
        defer { if options.data == nil { try? FileManager.default.removeItem(at: directory) } }
        let store = try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files"))
        let index = try await openIndex(settings, database: options.data == nil ? nil : database, dimensions: embedder.dimensions)
        let indexer = ChunkIndexer(chunker: Chunker(counter: embedder.tokenizer), embedder: embedder, index: index)
        let retriever = Retriever(store: store, index: index, embedder: embedder, cache: nil, fusion: settings.fusion, generation: { index.generation })
        let name = URL(fileURLWithPath: dataset).lastPathComponent
        let progress = ProgressLine()
        let result = try await discardingAfter(index) {
            try await AnswerEvaluator(indexer: indexer, store: store, retriever: retriever)
                .evaluate(name: name, passages: passages, questions: questions) { stage, done, total in
                    progress.update("\(stage): \(done)/\(total)", done: done == total)
                }
        }
        let table = String(format: """
            | answerable: gold passage cited | answerable: answer holds a gold answer | unanswerable: abstained | answerable: abstained |
            |---:|---:|---:|---:|
            | %.4f | %.4f | %.4f | %.4f |
            """, result.goldCited, result.answerContainsGold, result.abstained, result.abstainedWrongly)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        try """
            # \(name): answers with citations

            \(table)

            \(result.answerable) answerable and \(result.unanswerable) unanswerable questions over \(result.passages) passages \
            (top 5 chunks cited, extractive answers), \(String(format: "%.0f", result.seconds)) s, vector store: \(settings.vectorStore.rawValue).
            Reproduce: `quarry eval --dataset DIR` on this folder (written \(ISO8601DateFormatter().string(from: Date()))).

            """.write(toFile: "\(output)/\(name)-answers.md", atomically: true, encoding: .utf8)
        print(json ? try DocumentOutput.json(result) : table)
    }
}
