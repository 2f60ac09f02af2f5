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
            : flags.isSuperset(of: ["avx2", "fma", "f16c"]) ? "avx2" : "baseline"
        #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
    }
}
