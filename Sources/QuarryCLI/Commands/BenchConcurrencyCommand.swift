import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbedding
import QuarryEngine

extension BenchCommand {
    /// `quarry bench concurrency`: `rag_query_latency_ms` and queries per second with several
    /// clients asking at once, and latency under a steady load below the most the host serves.
    struct Concurrency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Query throughput and latency with 1, 4 and 16 concurrent clients, then at 80 % of the best throughput.",
            discussion: """
            The index of `quarry bench query` (a BEIR corpus padded to --chunks), asked every test \
            question --rounds times per level through the same Retriever as POST /api/v1/rag/query: hybrid, \
            answer none, no cache. Closed loop: each client asks its next question as soon as the \
            last is answered. Then open loop: questions arrive at evenly spaced times at --load of \
            the best throughput measured, and each one's latency runs from its arrival, queueing \
            included.
            """
        )

        @OptionGroup var options: ConfigurationOptions
        @Option(help: "A BEIR-format folder.") var dataset = "../shared/datasets/beir/scifact"
        @Option(help: "Index size in chunks.") var chunks = 100_000
        @Option(help: "Concurrent clients per level, comma-separated.") var clients = "1,4,16"
        @Option(help: "Share of the best throughput for the steady-load run.") var load = 0.8
        @Option(help: "Times each level asks every test question (no cache, so repeats cost as much as the first).") var rounds = 4
        @Option(help: "Folder for the embedded corpus (reused when present).") var export = ".quarry-bench/query"
        @Flag(help: "Print JSON.") var json = false

        struct Level: Codable {
            let clients: Int
            let queries: Int
            let queriesPerSecond: Double
            let p50Milliseconds: Double
            let p99Milliseconds: Double
        }

        struct Steady: Codable {
            let queriesPerSecond: Double
            let queries: Int
            let p50Milliseconds: Double
            let p99Milliseconds: Double
        }

        struct Result: Codable {
            let cpu: String
            let kernels: String
            let chunks: Int
            let levels: [Level]
            let steady: Steady
        }

        func validate() throws {
            guard chunks >= 1 else { throw ValidationError("--chunks must be at least 1") }
            guard clients.split(separator: ",", omittingEmptySubsequences: false).allSatisfy({ (Int($0) ?? 0) >= 1 }) else {
                throw ValidationError("--clients takes whole numbers of at least 1, comma-separated: '\(clients)'")
            }
            guard load > 0, load <= 1 else { throw ValidationError("--load must be above 0 and at most 1") }
            guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        }

        func run() async throws {
            let settings = try await reportingStartupErrors { try options.settings() }
            let embedder = try await reportingStartupErrors { try Model.embedder(settings) }
            let data: BEIRDataset
            do { data = try BEIRDataset(directory: dataset) } catch { throw ValidationError(error.description) }
            try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true)
            let corpus = try await BenchCorpus.load(data, embedder: embedder, directory: export).padded(to: chunks)
            let (retriever, _, index, directory) = try await Query.engine(corpus, size: chunks, embedder: embedder, settings: settings)
            defer { try? FileManager.default.removeItem(at: directory) }
            let questions = data.queries.map { QueryRequest(query: $0.text, topK: 5, mode: .hybrid, answer: .none) }
            let requests = Array(repeatElement(questions, count: rounds).joined())
            for request in questions.prefix(20) { _ = try await retriever.query(request, tenant: BenchCorpus.tenant) }  // warm up

            var levels: [Level] = []
            for count in clients.split(separator: ",").compactMap({ Int($0) }) {
                let (latencies, seconds) = try await Self.closedLoop(requests, clients: count, retriever)
                levels.append(Level(clients: count, queries: latencies.count, queriesPerSecond: Double(latencies.count) / seconds,
                                    p50Milliseconds: Query.percentile(latencies, 0.5), p99Milliseconds: Query.percentile(latencies, 0.99)))
            }
            let rate = (levels.map(\.queriesPerSecond).max() ?? 1) * load
            let steady = try await Self.openLoop(requests, rate: rate, retriever)
            try? await index.discard()
            let result = Result(cpu: Self.cpuName(), kernels: BertEncoder.kernelLevel, chunks: chunks, levels: levels,
                                steady: Steady(queriesPerSecond: rate, queries: steady.count, p50Milliseconds: Query.percentile(steady, 0.5),
                                               p99Milliseconds: Query.percentile(steady, 0.99)))
            if json {
                print(try DocumentOutput.json(result))
            } else {
                print("\(result.cpu), kernels \(result.kernels), \(result.chunks) chunks, hybrid, answer none, no cache")
                for level in levels {
                    print(String(format: "%3d clients: %7.1f queries/s, p50 %.3f ms, p99 %.3f ms (%d queries)", level.clients, level.queriesPerSecond,
                                 level.p50Milliseconds, level.p99Milliseconds, level.queries))
                }
                print(String(format: "steady %.1f queries/s (%.0f %% of the best): p50 %.3f ms, p99 %.3f ms (%d queries)", rate, load * 100,
                             result.steady.p50Milliseconds, result.steady.p99Milliseconds, steady.count))
            }
        }

        /// Every request in turn, `clients` at a time, each client taking the next as soon as its last
        /// is answered: each one's milliseconds, and the seconds all took.
        static func closedLoop(_ requests: [QueryRequest], clients: Int, _ retriever: Retriever) async throws -> ([Double], Double) {
            let next = QuestionCounter()
            let start = ContinuousClock.now
            let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        var mine: [Double] = []
                        while let index = next.take(below: requests.count) {
                            let asked = ContinuousClock.now
                            _ = try await retriever.query(requests[index], tenant: BenchCorpus.tenant)
                            mine.append((ContinuousClock.now - asked).seconds * 1000)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            return (latencies, (ContinuousClock.now - start).seconds)
        }

        /// Every request once, arriving `1 / rate` seconds apart whether or not earlier ones are
        /// answered: each one's milliseconds from its arrival.
        static func openLoop(_ requests: [QueryRequest], rate: Double, _ retriever: Retriever) async throws -> [Double] {
            let start = ContinuousClock.now
            return try await withThrowingTaskGroup(of: Double.self) { group in
                for (index, request) in requests.enumerated() {
                    let arrival = start + .seconds(Double(index) / rate)
                    try await Task.sleep(until: arrival, clock: .continuous)
                    group.addTask {
                        _ = try await retriever.query(request, tenant: BenchCorpus.tenant)
                        return (ContinuousClock.now - arrival).seconds * 1000
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }

        static func cpuName() -> String {
            let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
            let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
            return line.map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        }
    }

    /// `quarry bench kernels`: the CPU level whose kernels this host runs, for scripts' reports.
    struct Kernels: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the kernel level this CPU runs: avx512, avx2 or portable (QUARRY_KERNELS caps it).")

        func run() { print(BertEncoder.kernelLevel) }
    }
}

/// The next request number, shared by a benchmark's clients.
final class QuestionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}
