import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryEngine
import QuarryHTTP
import QuarryServer
import QuarryTestSupport
import Testing

/// `POST /v1/chat/completions` and `GET /v1/models` over the real engine, called by the official
/// openai client; the answers are those of `POST /api/v1/rag/query`.
@Suite("OpenAI-compatible /v1/chat/completions")
struct ChatCompletionsTests {
    static let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/openai_chat.py").path

    struct PeerOutput: Decodable {
        struct Failure: Decodable, Equatable {
            let `class`: String?
            var status: Int? = nil
            var type: String? = nil
            var param: String? = nil
            var code: String? = nil
        }

        let model: String
        let content: String
        let role: String
        let finish_reason: String
        let citations: [[String: JSONValue]]?
        let stream_content: String
        let stream_chunks: Int
        let stream_citations: [[String: JSONValue]]?
        let stream_finish: String?
        let models: [String]
        let errors: [String: Failure]
    }

    /// Runs the openai client against a live server holding `planets.txt` in tenant acme.
    static func ask(_ engine: DocumentAndQueryAPITests.Engine, model: String, question: String,
                    then check: @escaping @Sendable (PeerOutput, any TestClientProtocol, TokenAuthority) async throws -> Void) async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        try await DocumentAndQueryAPITests.application(authority, engine).test(.live) { client in
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: DocumentAndQueryAPITests.headers(editor),
                                     body: DocumentAndQueryAPITests.multipart(LLMAnswerTests.planets, filename: "planets.txt")) { #expect($0.status == .accepted) }
            #expect(try await engine.worker.runOne())
            let port = try #require(client.port)
            let output = try await offPool { try run(Venv.python, [Self.peer, "http://127.0.0.1:\(port)/v1", editor, model, question]) }
            try await check(try JSONDecoder().decode(PeerOutput.self, from: Data(output.utf8)), client, authority)
        }
    }

    @Test("without a language model: the extractive answer of /api/v1/rag/query, whole and streamed, with its citations; bad requests raise OpenAI's errors")
    func extractive() async throws {
        let engine = try DocumentAndQueryAPITests.engine()
        let question = "What are Saturn's rings made of?"
        try await Self.ask(engine, model: "quarry", question: question) { output, client, authority in
            let viewer = try await Fixture.token(authority)
            let query = try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: DocumentAndQueryAPITests.headers(viewer, json: true),
                                                 body: DocumentAndQueryAPITests.query(question))
            let expected = try DocumentAndQueryAPITests.json(query.body)
            let answer = try #require((expected["answer"] as? [String: Any])?["text"] as? String)
            #expect(answer.contains("ice and rock"), "\(answer)")
            #expect(output.content == answer && output.stream_content == answer)
            #expect(output.role == "assistant" && output.finish_reason == "stop" && output.stream_finish == "stop")
            #expect(output.stream_chunks >= 3, "role and sources, text, end")
            let citations = try #require(output.citations)
            #expect(citations.count == (expected["citations"] as? [Any])?.count && !citations.isEmpty)
            #expect(citations.first?["source"] == .string("upload:planets.txt") && citations.first?["page"] == .int(1))
            #expect(output.stream_citations == citations)
            #expect(output.models == ["quarry", "quarry-extractive"])

            #expect(output.errors["no_user_message"] == .init(class: "BadRequestError", status: 400, type: "invalid_request_error", param: "messages", code: "bad_request"))
            #expect(output.errors["unknown_model"] == .init(class: "NotFoundError", status: 404, type: "not_found_error", param: "model", code: "model_not_found"))
            #expect(output.errors["two_choices"] == .init(class: "BadRequestError", status: 400, type: "invalid_request_error", param: "n", code: "bad_request"))
            #expect(output.errors["empty_question"]?.class == "UnprocessableEntityError" && output.errors["empty_question"]?.status == 422)
            #expect(output.errors["bad_token"]?.class == "AuthenticationError" && output.errors["bad_token"]?.status == 401)

            // Another tenant's token asks the same: none of acme's passages.
            let stranger = try await Fixture.token(authority, tenant: "globex")
            let body = ByteBuffer(string: #"{"model": "quarry", "messages": [{"role": "user", "content": "What are Saturn's rings made of?"}]}"#)
            let response = try await client.execute(uri: "/v1/chat/completions", method: .post, headers: DocumentAndQueryAPITests.headers(stranger, json: true), body: body)
            let json = try DocumentAndQueryAPITests.json(response.body)
            #expect((json["citations"] as? [Any])?.isEmpty == true)
            let content = ((json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            #expect(content == Answer.notFound)
        }
    }

    @Test("content parts are read as text, the last user message is the question, Quarry's retrieval fields apply")
    func messageShapes() async throws {
        let engine = try DocumentAndQueryAPITests.engine()
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: DocumentAndQueryAPITests.headers(editor),
                                     body: DocumentAndQueryAPITests.multipart(LLMAnswerTests.planets, filename: "planets.txt")) { #expect($0.status == .accepted) }
            #expect(try await engine.worker.runOne())
            let body = #"""
                {"model": "quarry-extractive", "top_k": 1, "mode": "sparse", "temperature": 0, "user": "u1", "messages": [
                  {"role": "user", "content": "Tell me about Saturn."},
                  {"role": "assistant", "content": null},
                  {"role": "user", "content": [{"type": "text", "text": "Which storm is larger"}, {"type": "image_url", "image_url": {"url": "x"}}, {"type": "text", "text": "than the Earth?"}]}]}
                """#
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: DocumentAndQueryAPITests.headers(editor, json: true),
                                     body: ByteBuffer(string: body)) { (response) throws in
                #expect(response.status == .ok)
                let json = try DocumentAndQueryAPITests.json(response.body)
                #expect(json["model"] as? String == "quarry-extractive" && json["object"] as? String == "chat.completion")
                let content = ((json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String ?? ""
                #expect(content.contains("Great Red Spot"), "\(content)")
                #expect((json["citations"] as? [Any])?.count == 1, "top_k applies")
            }
            for (body, field) in [(#"{"model": "quarry", "messages": [{"role": "user", "content": 3}]}"#, "/messages/0/content"),
                                  (#"{"model": "quarry", "messages": [{"role": "user", "content": "x"}], "mode": "fuzzy"}"#, "/mode"),
                                  (#"{"messages": [{"role": "user", "content": "x"}]}"#, "/model")] {
                try await client.execute(uri: "/v1/chat/completions", method: .post, headers: DocumentAndQueryAPITests.headers(editor, json: true),
                                         body: ByteBuffer(string: body)) { (response) throws in
                    #expect(response.status == .badRequest, "\(body)")
                    let error = try #require(try DocumentAndQueryAPITests.json(response.body)["error"] as? [String: Any])
                    #expect(error["field"] as? String == field && error["param"] as? String == String(field.split(separator: "/")[0]), "\(error)")
                    #expect(Set(error.keys) == ["message", "type", "param", "code", "field"])
                }
            }
        }
    }
}

extension LLMAnswerTests {
    @Test("with llama-server: the openai client gets the model's grounded answer, whole and streamed in pieces, every [n] a given citation")
    func chatCompletions() async throws {
        let server = try await offPool { try LlamaServer() }
        defer { server.stop() }
        let engine = try DocumentAndQueryAPITests.engine(llm: LLMAnswerer(model: OpenAIChatModel(baseURL: server.baseURL, model: "smollm2")))
        try await ChatCompletionsTests.ask(engine, model: "quarry", question: "What are Saturn's rings made of?") { output, _, _ in
            let given = try #require(output.citations).count
            #expect(given >= 1)
            #expect(!output.content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            #expect(Self.markers(output.content).allSatisfy { (1...given).contains($0) }, "\(output.content)")
            #expect(!output.stream_content.isEmpty && output.stream_chunks > 3, "the model's reply comes in pieces")
            #expect(output.stream_citations?.count == given)
        }
    }
}
