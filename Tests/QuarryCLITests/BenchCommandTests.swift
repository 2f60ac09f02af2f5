import Foundation
import QuarryTestSupport
import Testing

/// The benchmarks' arguments are input too: nonsense is a usage error, never a crash.
@Suite("quarry bench arguments")
struct BenchCommandTests {
    @Test("zero or malformed counts are refused with a message and exit status 64", arguments: [
        (["bench", "embed", "--runs", "0"], "--queries and --runs must be at least 1"),
        (["bench", "embed", "--queries", "0"], "--queries and --runs must be at least 1"),
        (["bench", "parse", "--runs", "0", "corpora/pdf"], "--runs must be at least 1"),
        (["bench", "parse", "--threads", "2,,x", "corpora/pdf"], "--threads takes whole numbers"),
        (["bench", "query", "--top-k", "0"], "--top-k must be between 1 and 100"),
        (["bench", "query", "--chunks", "10,0"], "--chunks takes whole numbers"),
        (["bench", "concurrency", "--clients", "1,x"], "--clients takes whole numbers"),
        (["bench", "concurrency", "--load", "1.5"], "--load must be above 0 and at most 1"),
        (["bench", "concurrency", "--rounds", "0"], "--rounds must be at least 1"),
        (["bench", "workflow", "--scenario", "chain", "--repeat", "0"], "--runs, --repeat and --items must be at least 1"),
        (["bench", "workflow", "--scenario", "runs", "--redis", "http://x"], "--redis must be a redis:// URL"),
        (["bench", "workflow", "--scenario", "runs", "--mongodb", "postgres://x"], "--mongodb must be a mongodb:// URI"),
        (["bench", "workflow", "--scenario", "everything"], "--scenario"),
        (["bench", "actions", "--scenario", "limiter", "--rate", "0"], "--runs, --rate and --seconds must be above 0"),
        (["bench", "actions", "--scenario", "throughput", "--width", "0"], "--width 1 to 1000"),
        (["bench", "actions", "--scenario", "throughput", "--redis", "http://x"], "--redis must be a redis:// URL"),
    ])
    func refused(arguments: [String], message: String) throws {
        let result = try QuarryBinary.run(arguments)
        #expect(result.status == 64, "status \(result.status): \(result.standardError)")
        #expect(result.standardError.contains(message), "\(result.standardError)")
    }
}

/// The encoder's workers spin between steps: more of them than the CPUs the process may use
/// would each wait out a scheduler tick (a query took 120 ms instead of 3 under `taskset -c 0`).
@Suite("worker count")
struct WorkerCountTests {
    @Test("a process pinned to one CPU encodes with one worker")
    func pinned() throws {
        let result = try execute("/usr/bin/taskset", ["-c", "0", QuarryBinary.path, "bench", "embed", "--queries", "2", "--runs", "1"],
                                 environment: QuarryBinary.environment())
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("1 thread(s)"), "\(result.standardOutput)")
    }
}

@Suite("bench kernels")
struct BenchKernelsTests {
    @Test("names the kernel level this CPU runs, as the encoder chose it")
    func level() throws {
        let result = try QuarryBinary.run(["bench", "kernels"])
        #expect(result.status == 0)
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        let expected = flags.isSuperset(of: ["avx512f", "avx512vl", "avx512bw", "avx512dq"]) ? "avx512"
            : flags.isSuperset(of: ["avx2", "fma", "f16c"]) ? "avx2" : "portable"
        // QUARRY_KERNELS caps the level (the test suite runs once with it set to portable).
        let allowed = ["portable": 0, "avx2": 1][ProcessInfo.processInfo.environment["QUARRY_KERNELS"] ?? ""] ?? 2
        let levels = ["portable", "avx2", "avx512"]
        #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == levels[min(levels.firstIndex(of: expected)!, allowed)])
    }
}

/// `quarry bench actions` runs end to end (its numbers are in eval/bench/actions.md, not asserted).
@Suite("quarry bench actions")
struct BenchActionsTests {
    @Test("throughput: every run's Slack post goes through the limit and the ledger to the sink and the run succeeds; limiter: two processes share one limit")
    func runs() throws {
        let redis = try RedisTestServer()
        let throughput = try QuarryBinary.run(["bench", "actions", "--scenario", "throughput", "--runs", "60", "--redis", redis.url, "--json"])
        #expect(throughput.status == 0, "\(throughput.standardError.suffix(2000))")
        let result = try #require(try JSONSerialization.jsonObject(with: Data((throughput.standardOutput.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
        #expect(result["runs"] as? Int == 60 && (result["actions_per_second"] as? Double ?? 0) > 0, "\(result)")
        let limiter = try QuarryBinary.run(["bench", "actions", "--scenario", "limiter", "--seconds", "2", "--redis", redis.url, "--json"])
        #expect(limiter.status == 0, "\(limiter.standardError.suffix(2000))")
        let shared = try #require(try JSONSerialization.jsonObject(with: Data((limiter.standardOutput.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
        #expect(shared["senders"] as? Int == 2 && (shared["sends"] as? Int ?? 0) >= 2, "\(shared)")
    }
}
