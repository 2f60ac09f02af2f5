import Foundation

/// A real llama.cpp `llama-server` serving SmolLM2-135M-Instruct on loopback, as
/// scripts/bootstrap-llm builds and installs them; stopped by `stop()`. Missing files fail the
/// test that needs them with the command that installs them (never a silent skip).
public final class LlamaServer: @unchecked Sendable {
    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path) is missing: run scripts/bootstrap-llm (make test does)" }
    }

    /// scripts/bootstrap-llm's `pydist_version-flavour`.
    public static let version = "0.94.0-avx2"
    public static var binary: String { QuarryCache.directory + "/llama.cpp/\(version)/llama-server" }
    public static var model: String { QuarryCache.directory + "/models/SmolLM2-135M-Instruct.Q4_1.gguf" }

    public let port: Int
    /// The OpenAI-compatible base URL, `http://127.0.0.1:<port>/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    private let process: Process

    /// Starts the server and waits until the model is loaded (`/health` answers 200).
    public init() throws {
        for path in [Self.binary, Self.model] where !FileManager.default.fileExists(atPath: path) { throw Missing(path: path) }
        port = try freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "--model", Self.model, "--host", "127.0.0.1", "--port", String(port), "--ctx-size", "4096",
            "--threads", "2", "--parallel", "1", "--seed", "42",
        ]
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-llama-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            guard process.isRunning else {
                throw ProgramFailure(command: Self.binary, status: process.terminationStatus,
                                     standardError: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
            }
            if let status = try? execute("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/health"]),
               status.standardOutput == "200" {
                return
            }
            usleep(100_000)
        }
        stop()
        throw POSIXError(.ETIMEDOUT)
    }

    /// SIGTERM, then SIGKILL if the server has not gone within two seconds (llama-server can
    /// linger in its HTTP loop).
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<40 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { usleep(10_000) }
    }

    deinit { stop() }
}
