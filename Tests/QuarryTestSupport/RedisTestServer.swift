import Foundation

/// A real `redis-server` (Debian's) on loopback with its append-only file in `directory`, so a
/// stop and start keeps the data (how tests restart Redis mid-job).
public final class RedisTestServer: @unchecked Sendable {
    public static let executable = "/usr/bin/redis-server"

    public let port: Int
    public let directory: URL
    public var url: String { "redis://127.0.0.1:\(port)" }
    private var service: ServiceProcess?

    public init() throws {
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    public func start() throws {
        guard FileManager.default.fileExists(atPath: Self.executable) else {
            throw ProgramFailure(command: Self.executable, status: -1, standardError: "redis-server is missing: run scripts/bootstrap (make test does)")
        }
        let port = port
        service = try ServiceProcess(Self.executable, [
            "--bind", "127.0.0.1", "--port", String(port), "--dir", directory.path, "--appendonly", "yes", "--save", "",
            "--daemonize", "no", "--loglevel", "warning",
        ]) { acceptsConnections(port) }
    }

    public func stop() { service?.stop() }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
