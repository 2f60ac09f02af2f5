import ArgumentParser
import Foundation
import QuarryCore
import QuarryEngine

extension BenchCommand {
    /// `quarry bench spans`: what tracing costs a query when it is off (no `otel_endpoint`). It
    /// times exactly what `Retriever.query` does about spans for one query in a process with no
    /// tracer, as `quarry serve` runs by default: the check, and ``QueryStages`` ending six stages.
    struct Spans: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time one query's span bookkeeping with tracing off: median nanoseconds per query over rounds."
        )

        @Option(help: "Queries' worth per round.") var queries = 1_000_000
        @Option(help: "Rounds; the median is reported.") var rounds = 9
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard queries >= 1, rounds >= 1 else { throw ValidationError("--queries and --rounds must be at least 1") }
        }

        static let stages = ["cache", "embed", "search", "load", "citations", "answer"]

        /// One query's worth, as the retriever does it.
        @inline(never)
        static func oneQuery() {
            var stages = QueryStages(traced: QueryStages.tracing)
            for stage in Self.stages { stages.end(stage) }
        }

        func run() throws {
            var perQuery: [Double] = []
            for _ in 0..<rounds {
                let start = ContinuousClock.now
                for _ in 0..<queries { Self.oneQuery() }
                perQuery.append((ContinuousClock.now - start).seconds * 1e9 / Double(queries))
            }
            let median = perQuery.sorted()[perQuery.count / 2]
            if json {
                print(#"{"nanoseconds_per_query": \#(median), "rounds": \#(rounds), "queries": \#(queries)}"#)
            } else {
                print(String(format: "tracing off, one query's span bookkeeping: %.1f ns (median of %d rounds of %d)", median, rounds, queries))
            }
        }
    }
}
