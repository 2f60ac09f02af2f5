import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbedding
import QuarryParsing

/// `quarry bench …`: the project's own benchmarks. Each prints medians over several runs;
/// scripts/bench/ runs them beside their peers and writes the tables in Docs/PERFORMANCE.md.
public struct BenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run Quarry's benchmarks.", subcommands: [Parse.self, Embed.self, Query.self, Concurrency.self, Queue.self, WorkflowEngineBench.self, Actions.self, Kernels.self, Products.self, Spans.self]
    )

    public init() {}

    /// `quarry bench parse`: pages per second from PDF bytes in memory to pages with boxes and chunks.
    struct Parse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pages per second from PDF bytes to pages, boxes and chunks.",
            discussion: "Files are read into memory first; each run parses and chunks all of them."
        )

        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "PDF files or folders (searched recursively).") var paths: [String]
        @Option(help: "Runs per thread count; the median is reported.") var runs = 5
        @Option(help: "Thread counts to measure, comma-separated.") var threads = "1,2"
        @Flag(help: "Parse only, without chunking.") var noChunks = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
            let counts = threads.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw ValidationError("--threads takes whole numbers of at least 1, comma-separated: '\(threads)'")
            }
        }

        func run() async throws {
            let tokenizer = try await reportingStartupErrors { try Model.tokenizer(try options.settings()) }
            let files = try Self.pdfs(in: paths).compactMap { path -> (String, Data)? in
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                // Encrypted files need a password the benchmark does not know: leave them out.
                return (try? PDFReader.pageCount(data)) == nil ? nil : (path, data)
            }
            guard !files.isEmpty else { throw ValidationError("no readable PDF in \(paths.joined(separator: " "))") }
            var results: [Result] = []
            for count in threads.split(separator: ",").compactMap({ Int($0) }) {
                var seconds: [Double] = []
                var pages = 0
                var chunks = 0
                for _ in 0..<runs {
                    let start = ContinuousClock.now
                    (pages, chunks) = Self.work(files, threads: count, chunker: noChunks ? nil : Chunker(counter: tokenizer))
                    seconds.append((ContinuousClock.now - start).seconds)
                }
                let median = seconds.sorted()[seconds.count / 2]
                results.append(Result(threads: count, files: files.count, pages: pages, chunks: chunks, runs: runs,
                                      medianSeconds: median, pagesPerSecond: Double(pages) / median))
            }
            if json {
                print(try DocumentOutput.json(results))
            } else {
                for result in results {
                    print(String(format: "%d thread(s): %d files, %d pages, %d chunks, median %.3f s of %d runs: %.0f pages/s",
                                 result.threads, result.files, result.pages, result.chunks, result.medianSeconds, result.runs, result.pagesPerSecond))
                }
            }
        }

        struct Result: Encodable {
            let threads, files, pages, chunks, runs: Int
            let medianSeconds, pagesPerSecond: Double
        }

        /// Parses (and chunks) every file once with `threads` workers taking whole documents from a
        /// shared queue, largest first, as ingest workers do; returns the pages and chunks made.
        static func work(_ files: [(String, Data)], threads: Int, chunker: Chunker?) -> (Int, Int) {
            let queue = files.sorted { $0.1.count > $1.1.count }.map(\.1)
            let tally = Tally()
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
                while let data = tally.next(of: queue) {
                    guard let document = try? DocumentParser.parse(data, tenant: Tenant.defaultName) else { continue }
                    tally.add(pages: document.pages.count, chunks: chunker?.chunks(of: document).count ?? 0)
                }
            }
            return tally.totals
        }

        static func pdfs(in paths: [String]) throws -> [String] {
            var result: [String] = []
            for path in paths {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw ValidationError("no such file or folder: \(path)")
                }
                if isDirectory.boolValue {
                    let found = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
                    result += found.filter { $0.lowercased().hasSuffix(".pdf") }.sorted().map { path + "/" + $0 }
                } else {
                    result.append(path)
                }
            }
            return result
        }
    }
}

/// The benchmark workers' shared queue position and counts.
private final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var position = 0
    private var pages = 0
    private var chunks = 0

    func next(of queue: [Data]) -> Data? {
        lock.withLock {
            defer { position += 1 }
            return position < queue.count ? queue[position] : nil
        }
    }

    func add(pages: Int, chunks: Int) {
        lock.withLock {
            self.pages += pages
            self.chunks += chunks
        }
    }

    var totals: (Int, Int) { lock.withLock { (pages, chunks) } }
}

extension BenchCommand {
    /// `quarry bench embed`: query latency and batch throughput of the in-process encoder.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Latency of a query (10 tokens unless --query) and throughput of 32 chunks x 200 tokens.",
            discussion: "Token ids are prepared first, so only the encoder is timed (tokenizing a query takes microseconds)."
        )

        @OptionGroup var options: ConfigurationOptions
        @Option(help: "Query repetitions; the median and p99 are reported.") var queries = 200
        @Option(help: "Batch runs; the median is reported.") var runs = 5
        @Option(help: "The query to time (the default is 10 tokens with [CLS] and [SEP]).") var query = Self.defaultQuery
        @Option(help: "The batch's arithmetic: half or int8 (the query always takes half, as questions do).") var precision = BertEncoder.Precision.half
        @Flag(help: "Print JSON.") var json = false

        static let defaultQuery = "what is the capital city of france?"
        static let passage = "Quarry indexes documents and answers questions with exact citations, page numbers and boxes on the page. "

        func validate() throws {
            guard queries >= 1, runs >= 1 else { throw ValidationError("--queries and --runs must be at least 1") }
            guard !query.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--query must not be empty") }
        }

        func run() async throws {
            let embedder = try await reportingStartupErrors {
                var settings = try options.settings()
                settings.ingestPrecision = precision
                return try Model.embedder(settings)
            }
            let query = embedder.tokenizer.encode(self.query)
            let long = embedder.tokenizer.encode(String(repeating: Self.passage, count: 20), maxLength: 200)
            let batch = (0..<32).map { index in long.enumerated().map { $0.offset == 1 ? Int32(1000 + index) : $0.element } }

            _ = embedder.encoder.embed([query])  // warm up: page in the weights
            let residentAfterLoad = Self.residentMegabytes()
            var latencies: [Double] = []
            var residentAtTenth = 0.0
            for index in 0..<queries {
                let start = ContinuousClock.now
                _ = embedder.encoder.embed([query])
                latencies.append((ContinuousClock.now - start).seconds * 1000)
                if index == queries / 10 { residentAtTenth = Self.residentMegabytes() }
            }
            let residentAfterQueries = Self.residentMegabytes()
            latencies.sort()
            var batchSeconds: [Double] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                _ = embedder.encoder.embed(batch, precision: precision)
                batchSeconds.append((ContinuousClock.now - start).seconds)
            }
            batchSeconds.sort()
            let result = Result(
                kernels: BertEncoder.kernelLevel, batchPrecision: precision.rawValue, int8Taken: embedder.documentPrecision == .int8, threads: embedder.encoder.threads, queryTokens: query.count, queryP50Milliseconds: latencies[latencies.count / 2],
                queryP99Milliseconds: latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
                batchInputs: batch.count, batchTokensPerInput: long.count, batchMedianSeconds: batchSeconds[runs / 2],
                batchTokensPerSecond: Double(batch.count * long.count) / batchSeconds[runs / 2],
                residentMegabytesAfterLoad: residentAfterLoad, residentMegabytesAtTenthQuery: residentAtTenth,
                residentMegabytesAfterQueries: residentAfterQueries
            )
            if json {
                print(try DocumentOutput.json(result))
            } else {
                print("kernels: \(result.kernels), \(result.threads) thread(s)")
                print(String(format: "query (%d tokens): p50 %.3f ms, p99 %.3f ms over %d runs", result.queryTokens,
                             result.queryP50Milliseconds, result.queryP99Milliseconds, queries))
                print(String(format: "batch %d x %d tokens (%@): median %.1f ms of %d runs, %.0f tokens/s", result.batchInputs,
                             result.batchTokensPerInput, result.batchPrecision, result.batchMedianSeconds * 1000, runs, result.batchTokensPerSecond))
                print(String(format: "resident: %.1f MB after loading, %.1f MB after %d queries, %.1f MB after all %d",
                             residentAfterLoad, residentAtTenth, queries / 10 + 1, residentAfterQueries, queries))
            }
        }

        struct Result: Encodable {
            let kernels: String
            let batchPrecision: String
            /// Whether the embedder would take the int8 path for documents (its gate passed).
            let int8Taken: Bool
            let threads: Int
            let queryTokens: Int
            let queryP50Milliseconds, queryP99Milliseconds: Double
            let batchInputs, batchTokensPerInput: Int
            let batchMedianSeconds, batchTokensPerSecond: Double
            let residentMegabytesAfterLoad, residentMegabytesAtTenthQuery, residentMegabytesAfterQueries: Double
        }

        /// This process's resident set, from /proc/self/statm.
        static func residentMegabytes() -> Double {
            guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
                  let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
            else { return 0 }
            return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
        }
    }
}
