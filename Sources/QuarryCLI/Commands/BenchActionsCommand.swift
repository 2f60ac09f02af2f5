import ArgumentParser
import Foundation
import QuarryCore
import QuarryHTTP
import QuarryRedis
import QuarryWorkflow

extension BenchCommand {
    /// `quarry bench actions`: the connectors' path as `quarry worker` runs it, against an nginx
    /// that answers as Slack does. throughput: runs of trigger → `--width` slack nodes → no-op
    /// started at once, each slack node a message on `actions` going through its limit (Redis)
    /// and the effect ledger (SQLite), timed until all ended. limiter: `--senders` processes of this command share one limit of
    /// `--rate` a second through Redis for `--seconds`, each sending to the sink when given a
    /// token; the sends' times, merged, show how close the rate held.
    struct Actions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "actions",
            abstract: "Connector actions: throughput with the effect ledger and limits on, and the shared limit's accuracy across processes."
        )

        enum Scenario: String, ExpressibleByArgument, CaseIterable { case throughput, limiter, sender }

        @Option(help: "redis:// URL of the Redis to use (a scratch one: the bench writes its own namespace).") var redis = "redis://127.0.0.1:6379"
        @Option(help: "throughput or limiter.") var scenario: Scenario
        @Option(help: "Runs started at once (throughput).") var runs = 2000
        @Option(help: "Slack nodes side by side in each run, each its own message on the actions queue (throughput).") var width = 1
        @Option(help: "Jobs run at once by the worker per queue (throughput), as quarry worker's --concurrency.") var concurrency = 16
        @Option(help: "The limit, sends a second (limiter).") var rate = 10.0
        @Option(help: "How long each sender sends (limiter).") var seconds = 30.0
        @Option(help: "Processes sharing the limit (limiter).") var senders = 2
        @Option(help: .hidden) var namespace = ""
        @Option(help: .hidden) var url = ""
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard RedisEndpoint(url: redis) != nil else { throw ValidationError("--redis must be a redis:// URL") }
            guard runs >= 1, (1...1000).contains(width), (1...256).contains(concurrency), rate > 0, seconds > 0, (1...16).contains(senders) else {
                throw ValidationError("--runs, --rate and --seconds must be above 0; --width 1 to 1000; --concurrency 1 to 256; --senders 1 to 16")
            }
        }

        func run() async throws {
            let endpoint = RedisEndpoint(url: redis)!
            var output: [String: JSONValue]
            switch scenario {
            case .throughput: output = try await throughput(endpoint)
            case .limiter: output = try await limiter()
            case .sender: output = try await send(endpoint)
            }
            output["scenario"] = .string(scenario.rawValue)
            if json || scenario == .sender {
                print(String(decoding: try JSONEncoder().encode(JSONValue.object(output)), as: UTF8.self))
            } else {
                for key in output.keys.sorted() { print("\(key): \(String(decoding: try JSONEncoder().encode(output[key]!), as: UTF8.self))") }
            }
        }

        func throughput(_ endpoint: RedisEndpoint) async throws -> [String: JSONValue] {
            let sink = try HTTPSink()
            defer { sink.stop() }
            var credentials: Credentials?
            let bench = try Bench(redis: endpoint, mongodb: nil, concurrency: concurrency) { store, queue in
                let vault = try CredentialVault(key: Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
                let opened = Credentials(store: store, vault: vault)
                credentials = opened
                let http = GuardedHTTP(urlGuard: URLGuard(allowPrivate: true))
                return [SlackNode(http: http, credentials: opened, ledger: store,
                                  limiter: RedisActionLimiter(client: queue.client, namespace: queue.namespace))]
            }
            defer { bench.remove() }
            // A limit far above what is reached: every send still takes a token and a place.
            guard let credentials else { throw ValidationError("the bench made no credentials") }
            let credential = try await credentials.create(type: "slack", name: "bench", fields: [
                "bot_token": "xoxb-bench", "base_url": sink.url, "rate_per_second": "100000", "max_concurrent": "10000",
            ], tenant: "bench")
            let posts = (0..<width).map { "post\($0)" }
            let workflow = Bench.workflow("post", nodes: [.init(id: "start", type: "trigger")] + posts.map { id in
                .init(id: id, type: "slack", config: ["credential": .string(credential.id), "channel": .string("#\(id)"), "text": .string("{{ run.id }}")])
            } + [.init(id: "done", type: "noop")], edges: posts.flatMap { [.init(from: "start", to: $0), .init(from: $0, to: "done")] })
            let (time, _) = try await bench.measure(workflow, runs: runs, sink: "done")
            return ["runs": .int(Int64(runs)), "actions_per_run": .int(Int64(width)), "seconds": .double(time),
                    "actions_per_second": .double(Double(runs * width) / time), "concurrency": .int(Int64(concurrency)),
                    "ledger": .string("sqlite"), "limiter": .string("redis")]
        }

        func limiter() async throws -> [String: JSONValue] {
            let sink = try HTTPSink()
            defer { sink.stop() }
            let shared = "quarry-bench-limit-\(UUID().uuidString.prefix(8))"
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            let children = try (0..<senders).map { _ in
                let child = Process()
                child.executableURL = executable
                child.arguments = ["bench", "actions", "--scenario", "sender", "--redis", redis, "--namespace", shared, "--url", sink.url,
                                   "--rate", String(rate), "--seconds", String(seconds)]
                let output = Pipe()
                child.standardOutput = output
                try child.run()
                return (child, output)
            }
            var times: [Double] = []
            for (child, output) in children {
                let data = output.fileHandleForReading.readDataToEndOfFile()
                child.waitUntilExit()
                guard child.terminationStatus == 0, case .object(let sent) = try JSONDecoder().decode(JSONValue.self, from: data),
                      case .array(let at) = sent["times"] else { throw ValidationError("a sender failed") }
                times += at.compactMap(\.number)
            }
            times.sort()
            guard let first = times.first, let last = times.last, times.count > 1 else { throw ValidationError("nothing was sent") }
            // Sends a second: spaced 1/rate apart from the first, so n sends span (n − 1) intervals.
            let measured = Double(times.count - 1) / (last - first)
            let perSecond = stride(from: first, to: last - 1, by: 1).map { start in times.filter { $0 >= start && $0 < start + 1 }.count }
            return ["configured_per_second": .double(rate), "measured_per_second": .double(measured),
                    "error_percent": .double((measured / rate - 1) * 100), "sends": .int(Int64(times.count)), "senders": .int(Int64(senders)),
                    "seconds": .double(last - first), "fewest_in_a_second": .int(Int64(perSecond.min() ?? 0)),
                    "most_in_a_second": .int(Int64(perSecond.max() ?? 0))]
        }

        /// One process sharing the limit: a token, then a send, for `seconds`.
        func send(_ endpoint: RedisEndpoint) async throws -> [String: JSONValue] {
            let limiter = RedisActionLimiter(client: RedisClient(endpoint: endpoint), namespace: namespace)
            let limit = ActionLimit(rate: rate, burst: 1, concurrency: 64)
            let client = HTTPClient(retries: 0)
            var times: [JSONValue] = []
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                let holder = UUID().uuidString
                if let wait = try await limiter.acquire("bench", limit: limit, holder: holder) {
                    try await Task.sleep(for: wait)
                    continue
                }
                times.append(.double(Date().timeIntervalSince1970))
                _ = try await client.exchange(HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: Data("{}".utf8)))
                try await limiter.release("bench", holder: holder)
            }
            return ["times": .array(times)]
        }
    }
}
