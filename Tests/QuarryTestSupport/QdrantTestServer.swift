import Foundation

/// The project's Qdrant REST server over Qdrant's own engine (PyPI `qdrant-edge-py`,
/// scripts/testservers/qdrant_edge_server.py), run from the venv on loopback with its shards in
/// `directory`. Stopping and starting it again on the same directory keeps the points, which is
/// how the fault tests take Qdrant away mid-work and bring it back.
public final class QdrantTestServer: @unchecked Sendable {
    public static var script: String { repositoryRoot.path + "/scripts/testservers/qdrant_edge_server.py" }

    public let port: Int
    public let directory: URL
    public let apiKey: String?
    public var url: String { "http://127.0.0.1:\(port)" }
    private var service: ServiceProcess?

    public init(apiKey: String? = nil) throws {
        port = try freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-qdrant-\(UUID().uuidString)")
        self.apiKey = apiKey
        try start()
    }

    public func start() throws {
        guard FileManager.default.fileExists(atPath: Venv.python) else {
            throw ProgramFailure(command: Venv.python, status: -1, standardError: "the venv is missing: run scripts/bootstrap (make test does)")
        }
        var arguments = [Self.script, "--port", String(port), "--data", directory.path]
        if let apiKey { arguments += ["--api-key", apiKey] }
        let url = url
        service = try ServiceProcess(Venv.python, arguments) { answersOK(url + "/healthz") }
    }

    public func stop() { service?.stop() }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
