import ArgumentParser
import Foundation
import Hummingbird
import Logging
import QuarryServer
import QuarryWorkflow
import ServiceLifecycle

/// `quarry scheduler`: emits workflow runs from their cron schedules until SIGTERM or SIGINT.
public struct SchedulerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Emit workflow runs from their cron schedules.",
        discussion: """
        At each tick of a workflow's schedule (five-field cron, UTC) a queued run is stored and \
        run_start is queued on 'default' (Docs/QUEUES.md). Run several for availability: one leads \
        (a lease beside the queue), the others take over within 30 seconds when it stops. A tick \
        up to 5 minutes late still runs; of several missed, only the newest. `quarry serve` on the \
        embedded queue runs a scheduler itself.
        """
    )

    @OptionGroup var options: ConfigurationOptions
    @Option(help: ArgumentHelp("Address of /health, /ready and /metrics (default 127.0.0.1).", valueName: "host")) var host: String?
    @Option(help: ArgumentHelp("Port of /health, /ready and /metrics (0 picks a free one).", valueName: "port")) var port = 8422

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be a port number (0-65535)") }
    }

    public func run() async throws {
        MallocArenas.cap()
        let (settings, backends) = try await reportingStartupErrors {
            let settings = try options.settings(flags: [SettingKey.host.name: host])
            return (settings, try Backends.open(settings))
        }
        let tracing = try await reportingStartupErrors { try Observability.bootstrapTracing(settings, role: "scheduler") }
        Observability.bootstrapLogging(settings)
        let metrics = Observability.bootstrapMetrics()
        let logger = Logger(label: "quarry")
        let scheduler = backends.scheduler()
        logger.info("scheduling", metadata: ["holder": .string(scheduler.holder)])
        try await ProbedService.run(SchedulerService(scheduler: scheduler), serverName: "quarry-scheduler", host: settings.host, port: port,
                                    metrics: metrics, readinessChecks: backends.readinessChecks, companions: tracing.map { [$0] } ?? [], logger: logger)
    }
}

/// A scheduler as a service of a `ServiceGroup`; on graceful shutdown it stops and gives its lease back.
struct SchedulerService: Service {
    let scheduler: Scheduler

    func run() async throws {
        await cancelWhenGracefulShutdown { await scheduler.run() }
    }
}
