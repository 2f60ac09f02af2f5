import ArgumentParser
import Foundation
import Logging
import QuarryEngine
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
    @Option(help: "Queues to consume, comma-separated.") var queues = "ingest"
    @Option(help: "Jobs run at once per queue.") var concurrency = 2

    public init() {}

    public func validate() throws {
        guard (1...64).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 64") }
        let unknown = Set(queueNames).subtracting(["ingest"])
        guard unknown.isEmpty else { throw ValidationError("no actors run on queue(s) \(unknown.sorted().joined(separator: ", ")) yet; known: ingest") }
    }

    var queueNames: [String] { queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    public func run() async throws {
        let (settings, runtime) = try await reportingStartupErrors {
            let settings = try options.settings()
            return (settings, try EngineRuntime.open(settings))
        }
        Observability.bootstrapLogging(settings)
        let logger = Logger(label: "quarry")
        let actors = [IngestPipeline.queueName: runtime.pipeline.actors]
        let workers = queueNames.map { JobWorker(queue: runtime.queue, queueName: $0, actors: actors[$0] ?? [:]) }
        logger.info("working", metadata: ["queues": .string(queueNames.joined(separator: ",")), "concurrency": .stringConvertible(concurrency)])
        let group = ServiceGroup(configuration: .init(
            services: [WorkerService(workers: workers, concurrency: concurrency)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await group.run()
        logger.info("stopped")
    }
}
