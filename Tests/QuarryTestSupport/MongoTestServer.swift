import Foundation

/// SecantusDB, a MongoDB wire-compatible server on WiredTiger (PyPI `secantusdb`, DESIGN.md §9),
/// run from the venv on loopback with its data in `directory`. Stopping and starting it again on
/// the same directory keeps the data.
public final class MongoTestServer: @unchecked Sendable {
    public static var executable: String { QuarryCache.directory + "/venv/bin/secantusd-py" }

    public let port: Int
    public let directory: URL
    /// A connection string for database `database`.
    public func uri(database: String = "quarry") -> String { "mongodb://127.0.0.1:\(port)/\(database)" }
    private var service: ServiceProcess?

    public init() throws {
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-mongo-\(UUID().uuidString)")
        try start()
    }

    public func start() throws {
        guard FileManager.default.fileExists(atPath: Self.executable) else {
            throw ProgramFailure(command: Self.executable, status: -1, standardError: "SecantusDB is missing: run scripts/bootstrap (make test does)")
        }
        let port = port
        service = try ServiceProcess(Self.executable, [
            "--host", "127.0.0.1", "--port", String(port), "--storage-path", directory.path, "--log-level", "WARNING",
        ]) { acceptsConnections(port) }
    }

    public func stop() { service?.stop() }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
