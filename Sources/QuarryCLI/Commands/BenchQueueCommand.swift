import ArgumentParser
import Foundation
import QuarryCore
import QuarryEngine
import QuarryRedis
import Synchronization

extension BenchCommand {
    /// `quarry bench queue`: a worker on the Redis queue, a no-op actor: messages per second
    /// draining a full queue, and enqueue→start latency while it waits idle.
    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Redis queue throughput (no-op actor) and enqueue-to-start latency of one worker process.",
            discussion: """
            Fills a fresh namespace with --messages no-op messages, then times one JobWorker with \
            --concurrency loops draining it. Then, with the worker idle, enqueues --samples messages \
            one at a time (5 ms apart) and measures from just before each enqueue to the start of its \
            actor. scripts/bench/queues.py runs Python Dramatiq's worker beside it on the same Redis.
            """
        )

        @Option(help: "redis:// URL of the Redis to use (a scratch one: the bench writes its own namespace).") var redis = "redis://127.0.0.1:6379"
        @Option(help: "Messages for the throughput run.") var messages = 20_000
        @Option(help: "Jobs run at once.") var concurrency = 2
        @Option(help: "Messages for the latency run.") var samples = 300
        @Option(help: "Throughput runs; the median is reported.") var runs = 3
        @Flag(help: "Print JSON.") var json = false

        struct Result: Codable {
            let messages: Int
            let concurrency: Int
            let messagesPerSecond: Double
            let runs: [Double]
            let latencyP50Milliseconds: Double
            let latencyP99Milliseconds: Double
        }

        func validate() throws {
            guard RedisEndpoint(url: redis) != nil else { throw ValidationError("--redis must be a redis:// URL") }
            guard messages >= 1, samples >= 1, runs >= 1, (1...64).contains(concurrency) else {
                throw ValidationError("--messages, --samples and --runs must be at least 1; --concurrency 1 to 64")
            }
        }

        func run() async throws {
            let endpoint = RedisEndpoint(url: redis)!
            var rates: [Double] = []
            for _ in 0..<runs { rates.append(try await throughput(endpoint)) }
            let latencies = try await latency(endpoint).sorted()
            let result = Result(
                messages: messages, concurrency: concurrency, messagesPerSecond: rates.sorted()[rates.count / 2], runs: rates,
                latencyP50Milliseconds: latencies[latencies.count / 2], latencyP99Milliseconds: latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
            )
            if json {
                print(try DocumentOutput.json(result))
            } else {
                print(String(format: "%d messages, concurrency %d: %.0f messages/s (median of %d); enqueue→start p50 %.3f ms, p99 %.3f ms",
                             messages, concurrency, result.messagesPerSecond, runs, result.latencyP50Milliseconds, result.latencyP99Milliseconds))
            }
        }

        /// Messages per second for one worker draining `messages` queued no-op messages.
        func throughput(_ endpoint: RedisEndpoint) async throws -> Double {
            let queue = RedisJobQueue(client: RedisClient(endpoint: endpoint), namespace: "quarry-bench-\(UUID().uuidString.prefix(8))",
                                      prefetch: 2 * concurrency)  // as quarry worker does
            let payload = Data("{}".utf8)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for part in 0..<8 {
                    group.addTask {
                        for _ in stride(from: part, to: messages, by: 8) { try await queue.enqueue(NewJob(queue: "bench", name: "noop", payload: payload)) }
                    }
                }
                try await group.waitForAll()
            }
            let done = Mutex(0)
            let worker = JobWorker(queue: queue, queueName: "bench", actors: ["noop": { _ in done.withLock { $0 += 1 } }])
            let target = messages
            let start = ContinuousClock.now
            await worker.run(concurrency: concurrency, polling: .milliseconds(100), stopping: { done.withLock { $0 } >= target })
            return Double(messages) / (ContinuousClock.now - start).seconds
        }

        /// Milliseconds from just before each enqueue to its actor's start, the worker idle between.
        func latency(_ endpoint: RedisEndpoint) async throws -> [Double] {
            let queue = RedisJobQueue(client: RedisClient(endpoint: endpoint), namespace: "quarry-bench-\(UUID().uuidString.prefix(8))",
                                      prefetch: 2 * concurrency)
            let sender = RedisJobQueue(client: RedisClient(endpoint: endpoint), namespace: queue.namespace)
            let measured = Mutex<[Double]>([])
            let worker = JobWorker(queue: queue, queueName: "bench", actors: ["noop": { job in
                let now = Date().timeIntervalSince1970
                guard let sent = (try? JSONSerialization.jsonObject(with: job.payload) as? [String: Double])?["sent"] else { return }
                measured.withLock { $0.append((now - sent) * 1000) }
            }])
            let target = samples
            let loops = Task { await worker.run(concurrency: concurrency, polling: .milliseconds(500), stopping: { measured.withLock { $0.count } >= target }) }
            try await Task.sleep(for: .milliseconds(200))
            for _ in 0..<samples {
                let payload = try JSONSerialization.data(withJSONObject: ["sent": Date().timeIntervalSince1970])
                try await sender.enqueue(NewJob(queue: "bench", name: "noop", payload: payload))
                try await Task.sleep(for: .milliseconds(5))
            }
            await loops.value
            return measured.withLock { $0 }
        }
    }
}
