import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEngine
import QuarryMongo
import QuarryRedis
import QuarryWorkflow
import Synchronization

extension BenchCommand {
    /// `quarry bench workflow`: the workflow engine as `quarry worker` runs it — runs and nodes
    /// durable in a SQLite store (a fresh one in a temporary folder) or, with `--mongodb`, in
    /// MongoDB, messages on Redis — on no-op nodes, so what is measured is the engine: its writes,
    /// its messages, its joins.
    struct WorkflowEngineBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "workflow",
            abstract: "Workflow engine throughput and latency on Redis with every node durable (no-op nodes).",
            discussion: """
            One scenario per call, so that scripts/bench/workflow.py can interleave it with Celery \
            and Prefect on the same Redis. runs: --runs runs of a 2-node workflow started at once, \
            timed until all ended. chain: a 40-node sequential chain, --repeat runs; node→node \
            latency is each node's start minus its predecessor's end. fanout: 1 → 1,000 → 1, \
            --repeat runs, counting the join's executions. map: a node's list of 100,000 numbers (kept \
            apart from the run), then one map node over it, reading it a piece at a time; the \
            process's peak resident memory is reported.
            """
        )

        enum Scenario: String, ExpressibleByArgument, CaseIterable { case runs, chain, fanout, map }

        @Option(help: "redis:// URL of the Redis to use (a scratch one: the bench writes its own namespace).") var redis = "redis://127.0.0.1:6379"
        @Option(help: "runs, chain, fanout or map.") var scenario: Scenario
        @Option(help: "Runs started at once (runs).") var runs = 500
        @Option(help: "Runs measured one after the other (chain, fanout).") var `repeat` = 5
        @Option(help: "Items of the map (map).") var items = 100_000
        @Option(help: "Jobs run at once by the worker, as quarry worker's --concurrency.") var concurrency = 2
        @Option(help: "mongodb:// URI: keep runs in MongoDB (a scratch database: the bench writes its own) instead of a fresh SQLite store.")
        var mongodb: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard RedisEndpoint(url: redis) != nil else { throw ValidationError("--redis must be a redis:// URL") }
            if let mongodb, !mongodb.hasPrefix("mongodb://") { throw ValidationError("--mongodb must be a mongodb:// URI") }
            guard runs >= 1, `repeat` >= 1, items >= 1, (1...64).contains(concurrency) else {
                throw ValidationError("--runs, --repeat and --items must be at least 1; --concurrency 1 to 64")
            }
        }

        func run() async throws {
            let bench = try Bench(redis: RedisEndpoint(url: redis)!, mongodb: mongodb, concurrency: concurrency)
            defer { bench.remove() }
            let result: [String: JSONValue]
            switch scenario {
            case .runs: result = try await bench.throughput(runs: runs)
            case .chain: result = try await bench.chain(repeat: `repeat`)
            case .fanout: result = try await bench.fanOut(repeat: `repeat`)
            case .map: result = try await bench.map(items: items)
            }
            var output = result
            output["scenario"] = .string(scenario.rawValue)
            output["concurrency"] = .int(Int64(concurrency))
            if json {
                print(String(decoding: try JSONEncoder().encode(JSONValue.object(output)), as: UTF8.self))
            } else {
                for key in output.keys.sorted() {
                    let value = output[key]!
                    if case .array(let values) = value, values.count > 12 {
                        print("\(key): \(values.count) values")
                    } else {
                        print("\(key): \(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))")
                    }
                }
            }
        }
    }
}

/// A no-op node that counts its executions by run and node (the fan-out's join must run once).
struct BenchNoop: NodeType {
    let name = "noop"
    let queue = WorkflowEngine.runStartQueue
    let summary = "does nothing"
    let configSchema: JSONValue = .object(["type": .string("object")])
    let outputSchema: JSONValue = .object([:])
    let executions = Executions()

    final class Executions: Sendable {
        private struct Seen {
            var counts: [String: Int] = [:]
            /// The runs in which each node ran, in the order they ran.
            var runs: [String: [String]] = [:]
        }

        private let seen = Mutex(Seen())
        func count(_ key: String) -> Int { seen.withLock { $0.counts[key] ?? 0 } }
        func add(run: String, node: String) {
            seen.withLock {
                $0.counts["\(run)/\(node)", default: 0] += 1
                $0.runs[node, default: []].append(run)
            }
        }

        /// The runs in which `node` ran, from the `after`-th on.
        func runs(of node: String, after: Int) -> [String] { seen.withLock { Array(($0.runs[node] ?? []).dropFirst(after)) } }
    }

    func execute(_ context: NodeContext) async throws -> NodeOutcome {
        executions.add(run: context.run.id, node: context.node.id)
        return NodeOutcome(output: .null)
    }
}

/// A node whose output is the list `{"items": [0, 1, …, count − 1]}`: the map's source, large
/// enough to be kept apart from its run, so the map reads it a piece at a time.
struct BenchList: NodeType {
    let name = "list"
    let queue = WorkflowEngine.runStartQueue
    let summary = "a list of numbers"
    let configSchema: JSONValue = .object(["type": .string("object")])
    let outputSchema: JSONValue = .object([:])

    func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let count = context.config["count"]?.int ?? 0
        return NodeOutcome(output: .object(["items": .array((0..<count).map { .int($0) })]))
    }
}

/// The runs not yet seen ended, and when the last was.
final class Pending: Sendable {
    private let remaining: Mutex<(ids: Set<String>, emptied: ContinuousClock.Instant?)>
    init(_ ids: [String]) { remaining = Mutex((Set(ids), nil)) }
    var isEmpty: Bool { remaining.withLock { $0.ids.isEmpty } }
    var ids: [String] { remaining.withLock { Array($0.ids) } }
    /// When the last run was seen ended.
    var emptied: ContinuousClock.Instant? { remaining.withLock { $0.emptied } }
    func remove(_ id: String) {
        remaining.withLock { state in
            if state.ids.remove(id) != nil, state.ids.isEmpty { state.emptied = .now }
        }
    }
    func removeAll() { remaining.withLock { $0 = ([], .now) } }
}

/// One engine, store and worker for one scenario.
final class Bench: Sendable {
    let folder: URL
    let store: any WorkflowStore & RunStore & CredentialStore & EffectLedger
    let queue: RedisJobQueue
    let engine: WorkflowEngine
    let noop: BenchNoop
    let concurrency: Int

    /// `types`: node types beyond the no-ops, made once the store and queue exist (a connector).
    init(redis: RedisEndpoint, mongodb: String?, concurrency: Int,
         types: (any CredentialStore & EffectLedger, RedisJobQueue) throws -> [any NodeType] = { _, _ in [] }) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-bench-workflow-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: folder.appendingPathComponent("quarry.sqlite").path)
        store = if let mongodb {
            MongoDocumentStore(client: try MongoClient(uri: mongodb))
        } else {
            try SQLiteDocumentStore(database: database, files: folder.appendingPathComponent("files"))
        }
        // As quarry worker: two messages fetched per loop.
        queue = RedisJobQueue(client: RedisClient(endpoint: redis), namespace: "quarry-bench-\(UUID().uuidString.prefix(8))", prefetch: 2 * concurrency)
        noop = BenchNoop()
        let itemTypes: [any NodeType] = [TransformNode()]
        engine = WorkflowEngine(workflows: store, runs: store, queue: queue,
                                registry: NodeRegistry(itemTypes + [TriggerNode(), noop, BenchList(), MapNode(itemTypes: itemTypes)] + (try types(store, queue))))
        self.concurrency = concurrency
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Starts `runs` (stored and queued), then works until each has ended; the seconds from the
    /// first start to the last end. With a `sink` (a no-op node that ends every run), the store is
    /// read only once each run's sink has run, so that watching costs the workers nothing;
    /// without, every 100 ms.
    func measure(_ workflow: QuarryCore.Workflow, inputs: JSONValue = .object([:]), runs count: Int, sink: String?) async throws -> (Double, [Run]) {
        _ = try await store.createWorkflow(workflow)
        let workers = engine.actors.map { JobWorker(queue: queue, queueName: $0.key, actors: $0.value) }
        let ids = (0..<count).map { _ in "run-" + UUID().uuidString.lowercased() }
        let pending = Pending(ids)
        let (store, engine) = (store, engine)
        let concurrency = concurrency
        let start = ContinuousClock.now
        let failure = await withTaskGroup(of: (any Error)?.self) { group in
            // Runs are started while the workers work, as a client does while quarry worker runs;
            // should one fail to start, the workers and the watch stop.
            group.addTask {
                do {
                    for id in ids { _ = try await engine.start(workflow, inputs: inputs, id: id) }
                    return nil
                } catch {
                    pending.removeAll()
                    return error
                }
            }
            for worker in workers {
                group.addTask {
                    // As quarry worker polls; the time is taken when the last run is seen ended,
                    // not when the workers notice (up to a poll later).
                    await worker.run(concurrency: concurrency) { pending.isEmpty }
                    return nil
                }
            }
            let noop = noop
            group.addTask {
                // Only the runs whose sink has run are read, each until it shows ended.
                var sunk = 0
                var watched: Set<String> = []
                while !pending.isEmpty {
                    if let sink {
                        let new = noop.executions.runs(of: sink, after: sunk)
                        sunk += new.count
                        watched.formUnion(new)
                    } else {
                        watched = Set(pending.ids)
                    }
                    for id in watched {
                        if let run = try? await store.run(id, tenant: "bench", nodes: []), run.status.isFinished {
                            pending.remove(id)
                            watched.remove(id)
                        }
                    }
                    try? await Task.sleep(for: sink == nil ? .milliseconds(100) : .milliseconds(1))
                }
                return nil
            }
            var failure: (any Error)?
            for await result in group where result != nil { failure = result }
            return failure
        }
        let seconds = ((pending.emptied ?? .now) - start).seconds
        if let failure { throw failure }
        var ended: [Run] = []
        for id in ids { if let stored = try await store.run(id, tenant: "bench") { ended.append(stored) } }
        guard ended.allSatisfy({ $0.status == .succeeded }) else {
            throw ValidationError("a bench run did not succeed: \(ended.first { $0.status != .succeeded }.map { "\($0.id): \($0.error ?? $0.status.rawValue)" } ?? "")")
        }
        return (seconds, ended)
    }

    static func workflow(_ id: String, nodes: [QuarryCore.Workflow.Node], edges: [QuarryCore.Workflow.Edge]) -> QuarryCore.Workflow {
        QuarryCore.Workflow(id: id, tenant: "bench", name: id, nodes: nodes, edges: edges)
    }

    func throughput(runs: Int) async throws -> [String: JSONValue] {
        let workflow = Self.workflow("pair", nodes: [.init(id: "start", type: "trigger"), .init(id: "noop", type: "noop")],
                                     edges: [.init(from: "start", to: "noop")])
        let (seconds, _) = try await measure(workflow, runs: runs, sink: "noop")
        return ["runs": .int(Int64(runs)), "seconds": .double(seconds), "runs_per_second": .double(Double(runs) / seconds)]
    }

    func chain(repeat count: Int) async throws -> [String: JSONValue] {
        let ids = ["start"] + (1..<40).map { "n\($0)" }
        let workflow = Self.workflow("chain", nodes: ids.map { .init(id: $0, type: $0 == "start" ? "trigger" : "noop") },
                                     edges: zip(ids, ids.dropFirst()).map { .init(from: $0, to: $1) })
        var seconds: [JSONValue] = []
        var edges: [JSONValue] = []
        for _ in 0..<count {
            let (time, runs) = try await measure(workflow, runs: 1, sink: ids.last)
            seconds.append(.double(time))
            let run = runs[0]
            for (before, after) in zip(ids, ids.dropFirst()) {
                guard let ended = run.nodes[before]?.finishedAt, let began = run.nodes[after]?.startedAt else { continue }
                edges.append(.double(began.timeIntervalSince(ended) * 1000))
            }
        }
        return ["nodes": .int(Int64(ids.count)), "seconds": .array(seconds), "edge_latency_ms": .array(edges)]
    }

    func fanOut(repeat count: Int, width: Int = 1000) async throws -> [String: JSONValue] {
        let middle = (0..<width).map { "b\($0)" }
        let workflow = Self.workflow("fanout", nodes: [.init(id: "start", type: "trigger")] + middle.map { .init(id: $0, type: "noop") }
                                         + [.init(id: "join", type: "noop")],
                                     edges: middle.flatMap { [.init(from: "start", to: $0), .init(from: $0, to: "join")] })
        var seconds: [JSONValue] = []
        var fired: [JSONValue] = []
        for _ in 0..<count {
            let (time, runs) = try await measure(workflow, runs: 1, sink: "join")
            seconds.append(.double(time))
            let key = "\(runs[0].id)/join"
            fired.append(.int(Int64(noop.executions.count(key))))
        }
        return ["width": .int(Int64(width)), "seconds": .array(seconds), "join_fired": .array(fired)]
    }

    func map(items: Int) async throws -> [String: JSONValue] {
        let workflow = Self.workflow("map", nodes: [
            .init(id: "start", type: "trigger"), .init(id: "list", type: "list", config: ["count": .int(Int64(items))]),
            .init(id: "each", type: "map", config: ["items": .string("{{ nodes.list.items }}"), "parallelism": .int(4),
                                                    "node": .object(["type": .string("transform"), "config": .object(["value": .string("{{ item }}")])])]),
        ], edges: [.init(from: "start", to: "list"), .init(from: "list", to: "each")])
        let (seconds, runs) = try await measure(workflow, runs: 1, sink: nil)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return ["items": .int(Int64(items)), "seconds": .double(seconds), "max_rss_mb": .double(Double(usage.ru_maxrss) / 1024),
                "list_bytes": .int(Int64(runs[0].nodes["list"]?.outputReference?.bytes ?? 0)),
                "output_bytes": .int(Int64(runs[0].nodes["each"]?.outputReference?.bytes ?? 0))]
    }
}
