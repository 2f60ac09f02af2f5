import Foundation

/// A real llama.cpp `llama-server` serving SmolLM2-135M-Instruct on loopback, as
/// scripts/bootstrap-llm builds and installs them; stopped by `stop()`. Missing files fail the
/// test that needs them with the command that installs them (never a silent skip).
public final class LlamaServer: Sendable {
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
    private let service: ServiceProcess

    /// Starts the server and waits until the model is loaded (`/health` answers 200).
    public init() throws {
        for path in [Self.binary, Self.model] where !FileManager.default.fileExists(atPath: path) { throw Missing(path: path) }
        let port = try freePort()
        self.port = port
        service = try ServiceProcess(Self.binary, [
            "--model", Self.model, "--host", "127.0.0.1", "--port", String(port), "--ctx-size", "4096",
            "--threads", "2", "--parallel", "1", "--seed", "42",
        ]) { answersOK("http://127.0.0.1:\(port)/health") }
    }

    /// SIGTERM, then SIGKILL if the server has not gone within two seconds (llama-server can
    /// linger in its HTTP loop).
    public func stop() { service.stop() }
}
