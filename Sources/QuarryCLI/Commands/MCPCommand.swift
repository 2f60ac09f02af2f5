import ArgumentParser
import Foundation
import QuarryHTTP
import Synchronization

/// `quarry mcp`: Quarry's MCP server for desktop assistants that start servers over stdio. It
/// relays each JSON-RPC message read from standard input to a Quarry server's `/mcp` and writes
/// the reply to standard output, so the tools are those of the server, under the token's tenant
/// and role.
public struct MCPCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve Quarry's MCP tools over stdio, relayed to a Quarry server.",
        discussion: """
            For assistants that start MCP servers as a command. Reads QUARRY_URL (default \
            http://127.0.0.1:8420) and QUARRY_TOKEN. One JSON-RPC message per line in and out; \
            diagnostics go to standard error.
            """
    )

    @Option(help: ArgumentHelp("Quarry's base URL (default: $QUARRY_URL, else http://127.0.0.1:8420).", valueName: "url")) var server: String?
    @Option(help: ArgumentHelp("Bearer token (default: $QUARRY_TOKEN).", valueName: "token")) var token: String?

    public init() {}

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let token = token ?? environment["QUARRY_TOKEN"], !token.isEmpty else {
            throw ValidationError("quarry mcp needs a token: --token or QUARRY_TOKEN")
        }
        let base = server ?? environment["QUARRY_URL"] ?? "http://127.0.0.1:8420"
        let relay = MCPRelay(endpoint: (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/mcp", token: token)
        // Messages one at a time, in order: a stdio client waits for each reply it needs.
        while let line = readLine(strippingNewline: true) {
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            if let reply = await relay.relay(Data(line.utf8)) {
                FileHandle.standardOutput.write(reply + Data("\n".utf8))
            }
        }
    }
}

/// One JSON-RPC message to `/mcp` and its reply back. Every request gets a reply: when Quarry
/// cannot give one (unreachable, a refused token), a JSON-RPC error with the request's id says why,
/// so the assistant shows the reason instead of waiting.
final class MCPRelay: Sendable {
    let endpoint: String
    let token: String
    let client = HTTPClient(retries: 0)

    init(endpoint: String, token: String) {
        self.endpoint = endpoint
        self.token = token
    }
    /// The version `initialize` settled, sent on later requests as the protocol asks.
    private let version = Mutex<String?>(nil)

    /// Quarry's reply to `message`; nil for a notification or a response, which get none.
    func relay(_ message: Data) async -> Data? {
        let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any]
        let id = object?["id"]
        var headers = [("Authorization", "Bearer " + token), ("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
        if let settled = version.withLock({ $0 }) { headers.append(("MCP-Protocol-Version", settled)) }
        let response: HTTPResponse
        do {
            response = try await client.exchange(HTTPRequest(method: "POST", url: endpoint, headers: headers, body: message, timeout: .seconds(300)))
        } catch {
            return id.map { Self.error(id: $0, "Quarry at \(endpoint) gave no answer: \(error)") }
        }
        guard let id, object?["method"] != nil else { return nil }
        guard response.status == 200 else {
            // Quarry's own refusal ({"error": {"message"}}) or the transport's JSON-RPC error, said once.
            let body = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
            let message = (body?["error"] as? [String: Any])?["message"] as? String ?? String(decoding: response.body.prefix(300), as: UTF8.self)
            return Self.error(id: id, "Quarry answered \(response.status): \(message)")
        }
        if object?["method"] as? String == "initialize",
           let reply = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
           let settled = (reply["result"] as? [String: Any])?["protocolVersion"] as? String {
            version.withLock { $0 = settled }
        }
        return response.body
    }

    static func error(id: Any, _ message: String) -> Data {
        let object: [String: Any] = ["jsonrpc": "2.0", "id": id, "error": ["code": -32603, "message": message]]
        return (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }
}
