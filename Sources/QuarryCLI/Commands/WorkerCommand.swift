import ArgumentParser
import Foundation
import Hummingbird
import Logging
import QuarryEngine
import QuarryServer
import ServiceLifecycle

/// `quarry worker`: runs queued jobs until SIGTERM or SIGINT, for deployments where the API and
/// the work run apart (queue redis, with MongoDB and Qdrant so every process sees the same data).
public struct WorkerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run queued jobs (ingest) with several at once.",
        discussion: """
        Consumes the queues named (Docs/QUEUES.md lists each queue's actors). SIGTERM or SIGINT: \
        no new job is taken, running ones finish, and anything held goes back onto its queue.
        """
    )

    @OptionGroup var options: ConfigurationOptions
    @Option(help: "Queues to consume, comma-separated (default: every queue with actors).") var queues = QueueActors.queues.joined(separator: ",")
    @Option(help: "Jobs run at once per queue.") var concurrency = 2
    @Option(help: ArgumentHelp("Address of /health, /ready and /metrics (default 127.0.0.1).", valueName: "host")) var host: String?
    @Option(help: ArgumentHelp("Port of /health, /ready and /metrics (0 picks a free one).", valueName: "port")) var port = 8421

    public init() {}

    public func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 64") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be a port number (0-65535)") }
        let unknown = Set(queueNames).subtracting(QueueActors.queues)
        guard unknown.isEmpty else {
            throw ValidationError("no actors run on queue(s) \(unknown.sorted().joined(separator: ", ")); known: \(QueueActors.queues.joined(separator: ", "))")
        }
    }

    var queueNames: [String] { queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    public func run() async throws {
        MallocArenas.cap()
        let (settings, runtime) = try await reportingStartupErrors {
            let settings = try options.settings(flags: [SettingKey.host.name: host])
            return (settings, try EngineRuntime.open(settings))
        }
        let tracing = try await reportingStartupErrors { try Observability.bootstrapTracing(settings, role: "worker") }
        Observability.bootstrapLogging(settings)
        let metrics = Observability.bootstrapMetrics()
        let logger = Logger(label: "quarry")
        // Two messages fetched per loop at a time, as Dramatiq's workers prefetch by default.
        let workers = runtime.workers(on: queueNames, queue: runtime.queue.prefetching(2 * concurrency))
        logger.info("working", metadata: ["queues": .string(queueNames.joined(separator: ",")), "concurrency": .stringConvertible(concurrency)])
        try await ProbedService.run(WorkerService(workers: workers, concurrency: concurrency), serverName: "quarry-worker", host: settings.host,
                                    port: port, metrics: metrics, readinessChecks: runtime.readinessChecks,
                                    companions: tracing.map { [$0] } ?? [], logger: logger)
    }
}
