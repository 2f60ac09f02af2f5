import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryServer
import QuarryTestSupport
import Testing

/// Quarry's MCP server at `/mcp`, used by the official MCP Python SDK's client over streamable
/// HTTP against a live server holding `planets.txt` in tenant acme.
@Suite("MCP server at /mcp")
struct MCPServerTests {
    static let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/mcp_client.py").path
    static let question = "What are Saturn's rings made of?"

    /// The peer's JSON output for each token, in order.
    static func run(tokens: (TokenAuthority) async throws -> [(token: String, index: String?)]) async throws -> [[String: Any]] {
        let engine = try DocumentAndQueryAPITests.engine(fetcher: FixedPage())
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let calls = try await tokens(authority)
        return try await DocumentAndQueryAPITests.application(authority, engine).test(.live) { client in
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: DocumentAndQueryAPITests.headers(editor),
                                     body: DocumentAndQueryAPITests.multipart(LLMAnswerTests.planets, filename: "planets.txt")) { #expect($0.status == .accepted) }
            #expect(try await engine.worker.runOne())
            let url = "http://127.0.0.1:\(try #require(client.port))/mcp"
            var outputs: [[String: Any]] = []
            for call in calls {
                let output = try await offPool { try QuarryTestSupport.run(Venv.python, [Self.peer, "http", url, call.token, Self.question] + (call.index.map { [$0] } ?? [])) }
                outputs.append(try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]))
            }
            return outputs
        }
    }

    static func error(_ output: [String: Any], _ name: String) -> (code: Int?, message: String) {
        let errors = output["errors"] as? [String: [String: Any]] ?? [:]
        let error = (name == "index_url" ? output["index_url"] as? [String: Any] : errors[name]) ?? [:]
        return (error["code"] as? Int, error["message"] as? String ?? "")
    }

    @Test("an editor: every tool, search and ask with citations, pages as a tool and a resource; bad calls are MCP errors naming the argument")
    func editor() async throws {
        let outputs = try await Self.run { authority in [(try await Fixture.token(authority, role: .editor), "https://example.org/tides.html")] }
        let output = try #require(outputs.first)
        #expect(output["server"] as? String == "quarry" && output["protocol"] as? String == "2025-11-25")
        #expect(output["tools"] as? [String] == ["ask", "get_document_text", "index_url", "list_documents", "search"])

        let search = try #require(output["search"] as? [String: Any])
        let citations = try #require(search["citations"] as? [[String: Any]])
        #expect(!citations.isEmpty && citations.count <= 3)
        #expect(citations[0]["source"] as? String == "upload:planets.txt" && citations[0]["page"] as? Int == 1)
        #expect((output["search_text"] as? String)?.contains("[1] ") == true && (output["search_text"] as? String)?.contains("page 1, characters") == true)

        let ask = try #require(output["ask"] as? [String: Any])
        let answer = try #require(ask["answer"] as? [String: Any])
        #expect((answer["text"] as? String)?.contains("ice and rock") == true && answer["found"] as? Bool == true)
        #expect((output["ask_text"] as? String)?.contains("\n\nSources:\n[1] ") == true)

        let documents = try #require((output["documents"] as? [String: Any])?["documents"] as? [[String: Any]])
        #expect(documents.count == 1)
        let id = try #require(documents.first?["id"] as? String)
        let page = try #require(((output["page_text"] as? [String: Any])?["pages"] as? [[String: Any]])?.first)
        let text = try #require(page["text"] as? String)
        #expect(text.contains("Saturn's rings") && page["number"] as? Int == 1)
        #expect(output["resource_text"] as? String == text, "the resource is the page the tool reads")
        #expect(output["templates"] as? [String] == ["quarry://documents/{id}/pages/{n}"])
        #expect(output["resources"] as? [String] == ["quarry://documents/\(id)/pages/1"])
        // The span a citation names is a span of that page's text.
        let (start, end) = (try #require(citations[0]["char_start"] as? Int), try #require(citations[0]["char_end"] as? Int))
        let scalars = Array(text.unicodeScalars)
        #expect(end <= scalars.count && String(String.UnicodeScalarView(scalars[start..<end])).contains("Saturn"))

        for (name, code, words) in [("unknown_tool", -32602, "summarise"), ("bad_top_k", -32602, "top_k must be an integer"),
                                    ("top_k_range", -32602, "top_k"), ("missing_query", -32602, "query is required"),
                                    ("unknown_argument", -32602, "topk is not an argument"), ("page_range", -32602, "first_page"),
                                    ("missing_resource", -32002, "Resource not found")] {
            let error = Self.error(output, name)
            #expect(error.code == code && error.message.contains(words), "\(name): \(error)")
        }
        let indexed = try #require(output["index_url"] as? [String: Any])
        #expect(indexed["raised"] is NSNull && indexed["is_error"] as? Bool == false, "\(indexed)")
        let note = (indexed["text"] as? [String])?.first ?? ""
        #expect(note.contains("queued for indexing"), "\(note)")
        #expect(output["without_token"] as? Int == 401)
    }

    @Test("a tools/call whose params do not read is invalid params with its id; without Accept it is refused as MCP says")
    func malformedCall() async throws {
        let engine = try DocumentAndQueryAPITests.engine()
        let authority = try await Fixture.authority()
        let viewer = try await Fixture.token(authority)
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            var headers = DocumentAndQueryAPITests.headers(viewer, json: true)
            headers[.accept] = "application/json, text/event-stream"
            let body = ByteBuffer(string: #"{"jsonrpc": "2.0", "id": "call-7", "method": "tools/call", "params": {"arguments": 3}}"#)
            try await client.execute(uri: "/mcp", method: .post, headers: headers, body: body) { (response) throws in
                #expect(response.status == .ok)
                let reply = try Fixture.json(response)
                let error = try #require(reply["error"] as? [String: Any])
                #expect(reply["id"] as? String == "call-7" && error["code"] as? Int == -32602, "\(reply)")
            }
            headers[.accept] = "text/html"
            try await client.execute(uri: "/mcp", method: .post, headers: headers, body: body) { (response) throws in
                #expect(response.status == .notAcceptable)
            }
        }
    }

    @Test("a viewer is not offered index_url and cannot call it; another tenant's token finds none of acme's documents")
    func scoping() async throws {
        let outputs = try await Self.run { authority in
            [(try await Fixture.token(authority, role: .viewer), "https://example.org/tides.html"), (try await Fixture.token(authority, tenant: "globex", role: .viewer), nil)]
        }
        let viewer = outputs[0], stranger = outputs[1]
        #expect(viewer["tools"] as? [String] == ["ask", "get_document_text", "list_documents", "search"])
        let refusal = Self.error(viewer, "index_url")
        #expect(refusal.code == -32600 && refusal.message.contains("editor role"), "\(refusal)")
        #expect(((viewer["search"] as? [String: Any])?["citations"] as? [Any])?.isEmpty == false)

        #expect(((stranger["search"] as? [String: Any])?["citations"] as? [Any])?.isEmpty == true)
        #expect(((stranger["ask"] as? [String: Any])?["answer"] as? [String: Any])?["found"] as? Bool == false)
        #expect(((stranger["documents"] as? [String: Any])?["documents"] as? [Any])?.isEmpty == true)
        #expect(stranger["page_text"] == nil)
    }
}
