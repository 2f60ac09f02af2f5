import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import QuarryCore
import QuarryEngine
import QuarryServer
import ServiceLifecycle

/// `quarry serve`: the HTTP API with `/health`, `/ready` and `/metrics`, until SIGTERM or SIGINT.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP API.")

    @OptionGroup var options: ConfigurationOptions

    @Option(help: ArgumentHelp("Address to listen on (default 127.0.0.1).", valueName: "host"))
    var host: String?

    @Option(help: ArgumentHelp("Port to listen on (default 8420; 0 picks a free one).", valueName: "port"))
    var port: String?

    /// How long the first admin token, printed on first start, stays valid.
    static let firstAdminTokenLifetime = Duration.seconds(7 * 24 * 3600)

    public init() {}

    public func run() async throws {
        MallocArenas.cap()
        let (settings, runtime) = try await reportingStartupErrors {
            let settings = try options.settings(flags: [SettingKey.host.name: host, SettingKey.port.name: port])
            return (settings, try await ServerRuntime.start(settings))
        }
        let logger = Logger(label: "quarry")
        let secretCreated = runtime.secret.wasCreated
        let authority = runtime.authority
        let dataPath = runtime.dataDirectory.path
        let application = Application(
            router: makeRouter(runtime.dependencies),
            server: settings.clientDeadlines.server,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "quarry"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                await Self.announce(
                    url: "http://\(settings.host):\(port)", dataPath: dataPath,
                    firstAdminToken: secretCreated ? authority : nil, logger: logger
                )
            },
            logger: logger
        )
        // On the embedded queue, ingest and the scheduler run here; on Redis, in `quarry worker`
        // and `quarry scheduler` processes.
        var services: [any Service] = [application, HeapTrimService()] + (runtime.tracing.map { [$0] } ?? [])
        if settings.queue == .embedded {
            let engine = runtime.engine
            services.append(WorkerService(workers: engine.workers(on: QueueActors.queues)))
            services.append(SchedulerService(scheduler: engine.backends.scheduler()))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
            logger.info("stopped")
        } catch {
            FileHandle.standardError.write(Data("quarry: cannot serve on \(settings.host):\(settings.port): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// What a person starting Quarry needs: where it listens and, on the first start, a token to use it.
    /// The token goes to standard output only, never to the log.
    private static func announce(url: String, dataPath: String, firstAdminToken authority: TokenAuthority?, logger: Logger) async {
        logger.info("listening", metadata: ["url": .string(url), "data": .string(dataPath)])
        var lines = ["Quarry is listening on \(url)"]
        if let authority {
            do {
                let token = try await authority.issue(
                    subject: "admin", tenant: Tenant.defaultName, roles: [.admin], lifetime: firstAdminTokenLifetime
                )
                lines += [
                    "First start: a signing secret was created in \(dataPath)/\(SigningSecret.fileName).",
                    "Admin token for tenant '\(Tenant.defaultName)', valid for 7 days:",
                    token,
                ]
            } catch {
                logger.error("could not mint the first admin token", metadata: ["error": .string("\(error)")])
            }
        } else {
            lines.append("Mint a token with: quarry token create --tenant \(Tenant.defaultName) --role admin --data \(dataPath)")
        }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
