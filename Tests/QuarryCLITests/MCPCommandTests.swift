import Foundation
import QuarryTestSupport
import Testing

/// `quarry mcp`: the MCP server over stdio, relayed to a running `quarry serve`, used by the
/// official MCP Python SDK's stdio client as a desktop assistant starts it.
@Suite("quarry mcp")
struct MCPCommandTests {
    static let peer = repositoryRoot.appendingPathComponent("Tests/QuarryServerTests/Peers/mcp_client.py").path

    @Test("the MCP client over stdio gets the server's tools, citations and pages; a refused token and a server that is down are JSON-RPC errors")
    func stdio() async throws {
        let data = try IndexCommandTests.temporary("data"), root = try IndexCommandTests.temporary("root")
        defer { for url in [data, root] { try? FileManager.default.removeItem(at: url) } }
        try "The lighthouse keeper logs every passing ship in a leather-bound ledger.".write(
            to: root.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let server = try ServeProcess(data: data.path, environment: ["QUARRY_INDEX_ROOT": root.path])
        defer { _ = server.terminate() }
        let (admin, url) = (try #require(server.firstAdminToken), server.url)
        let indexed = try await offPool { try QuarryBinary.run(["index", "--server", url, root.path], environment: ["QUARRY_TOKEN": admin]) }
        #expect(indexed.status == 0, "\(indexed.standardError)")

        let environment = QuarryBinary.environment(["QUARRY_URL": url, "QUARRY_TOKEN": admin])
        let output = try await offPool { try run(Venv.python, [Self.peer, "stdio", QuarryBinary.path, "who logs the passing ships?"], environment: environment) }
        let result = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(result["tools"] as? [String] == ["ask", "get_document_text", "index_url", "list_documents", "search"])
        let citations = try #require((result["search"] as? [String: Any])?["citations"] as? [[String: Any]])
        #expect((citations.first?["source"] as? String)?.hasSuffix("notes.txt") == true, "\(citations)")
        #expect((((result["ask"] as? [String: Any])?["answer"] as? [String: Any])?["text"] as? String)?.contains("lighthouse keeper") == true)
        let page = ((result["page_text"] as? [String: Any])?["pages"] as? [[String: Any]])?.first?["text"] as? String
        #expect(page?.contains("leather-bound ledger") == true && result["resource_text"] as? String == page)
        let errors = try #require(result["errors"] as? [String: [String: Any]])
        #expect(errors["unknown_tool"]?["code"] as? Int == -32602 && errors["missing_resource"]?["code"] as? Int == -32002, "\(errors)")

        let initialize = #"{"jsonrpc": "2.0", "id": 7, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}"#
        let forged = try await offPool {
            try execute(QuarryBinary.path, ["mcp"], environment: QuarryBinary.environment(["QUARRY_URL": url, "QUARRY_TOKEN": "forged"]), input: initialize + "\n")
        }
        let refusal = try #require(try JSONSerialization.jsonObject(with: Data(forged.standardOutput.utf8)) as? [String: Any])
        #expect(refusal["id"] as? Int == 7)
        #expect(((refusal["error"] as? [String: Any])?["message"] as? String)?.contains("Quarry answered 401") == true, "\(refusal)")

        let closed = try freePort()
        let down = try await offPool {
            try execute(QuarryBinary.path, ["mcp"], environment: QuarryBinary.environment(["QUARRY_URL": "http://127.0.0.1:\(closed)", "QUARRY_TOKEN": admin]),
                        input: initialize + "\n" + #"{"jsonrpc": "2.0", "method": "notifications/initialized"}"# + "\n")
        }
        let lines = down.standardOutput.split(separator: "\n")
        #expect(lines.count == 1, "one reply for the request, none for the notification: \(lines)")
        #expect(down.standardOutput.contains("gave no answer") && down.status == 0, "\(down.standardOutput) \(down.standardError)")

        let tokenless = try QuarryBinary.run(["mcp"], environment: ["QUARRY_URL": url])
        #expect(tokenless.status != 0 && tokenless.standardError.contains("needs a token"), "\(tokenless.standardError)")
    }
}
