import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryEngine
import QuarryHTTP
import QuarryServer
import QuarryTestSupport
import Testing

/// `answer: "llm"` against a real llama.cpp `llama-server` serving SmolLM2-135M-Instruct
/// (scripts/bootstrap-llm): the chat adapter, the streamed API, and an endpoint that is down.
@Suite("LLM answers with llama-server", .serialized)
struct LLMAnswerTests {
    static let planets = Data("""
        Saturn's rings are made of ice and rock, from dust grains to boulders.

        Jupiter has the Great Red Spot, a storm larger than the Earth.
        """.utf8)

    /// The events of a `text/event-stream` body, in order.
    static func events(_ buffer: ByteBuffer) -> [ServerSentEventReader.Event] {
        var reader = ServerSentEventReader()
        return reader.feed(Data(buffer: buffer))
    }

    static func object(_ event: ServerSentEventReader.Event) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
    }

    /// Every `[n]` in `text`.
    static func markers(_ text: String) -> [Int] {
        text.matches(of: /\[(\d+)\]/).compactMap { Int($0.output.1) }
    }

    @Test("the chat adapter streams a reply from llama-server in several pieces")
    func chatStreams() async throws {
        let server = try await offPool { try LlamaServer() }
        defer { server.stop() }
        let model = OpenAIChatModel(baseURL: server.baseURL, model: "smollm2")
        var pieces: [String] = []
        for try await piece in model.reply(to: [ChatMessage(.user, "Name three colours.")], maxTokens: 32) { pieces.append(piece) }
        #expect(pieces.count > 1, "a streamed reply comes in pieces: \(pieces)")
        #expect(!pieces.joined().trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    @Test("stream: true sends the sources, then the answer in pieces, then the whole response; every [n] names a given source")
    func streamedAnswer() async throws {
        let server = try await offPool { try LlamaServer() }
        defer { server.stop() }
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let engine = try DocumentAndQueryAPITests.engine(llm: LLMAnswerer(model: OpenAIChatModel(baseURL: server.baseURL, model: "smollm2")))
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: DocumentAndQueryAPITests.headers(editor),
                                     body: DocumentAndQueryAPITests.multipart(Self.planets, filename: "planets.txt")) { #expect($0.status == .accepted) }
            #expect(try await engine.worker.runOne())

            let body = #"{"query": "What are Saturn's rings made of?", "answer": "llm", "stream": true}"#
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: DocumentAndQueryAPITests.headers(editor, json: true),
                                     body: ByteBuffer(string: body)) { (response) throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                let events = Self.events(response.body)
                #expect(events.first?.name == "retrieved")
                #expect(events.last?.name == "done")
                let pieces = try events.filter { $0.name == "answer" }.map { try #require(try Self.object($0)["text"] as? String) }
                #expect(!pieces.isEmpty)
                #expect(events.dropFirst().dropLast().allSatisfy { $0.name == "answer" })

                let retrieved = try Self.object(try #require(events.first))
                let given = try #require(retrieved["citations"] as? [[String: Any]]).count
                #expect(given >= 1)
                let done = try Self.object(try #require(events.last))
                let answer = try #require(done["answer"] as? [String: Any])
                let text = try #require(answer["text"] as? String)
                #expect(text == pieces.joined().trimmingCharacters(in: .whitespacesAndNewlines), "the streamed pieces are the answer")
                #expect(Self.markers(text).allSatisfy { (1...given).contains($0) }, "\(text)")
                #expect((done["timings"] as? [String: Double])?["answer"] != nil)
            }

            // The same question without streaming: one JSON answer from the model (the cache is
            // keyed by answer mode, so this one was just written, not generated again).
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: DocumentAndQueryAPITests.headers(editor, json: true),
                                     body: ByteBuffer(string: #"{"query": "What are Saturn's rings made of?", "answer": "llm"}"#)) { (response) throws in
                #expect(response.status == .ok)
                let json = try DocumentAndQueryAPITests.json(response.body)
                #expect(json["cached"] as? Bool == true)
                #expect(((json["answer"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test("an unreachable chat endpoint: 502 with a clear error, or an error event once streaming; the server keeps serving")
    func endpointDown() async throws {
        let closed = try freePort()
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let model = OpenAIChatModel(baseURL: "http://127.0.0.1:\(closed)/v1", model: "none", client: HTTPClient(retries: 0))
        let engine = try DocumentAndQueryAPITests.engine(llm: LLMAnswerer(model: model))
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            try await client.execute(uri: "/api/v1/documents", method: .post, headers: DocumentAndQueryAPITests.headers(editor),
                                     body: DocumentAndQueryAPITests.multipart(Self.planets, filename: "planets.txt")) { #expect($0.status == .accepted) }
            #expect(try await engine.worker.runOne())
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: headers,
                                     body: ByteBuffer(string: #"{"query": "saturn rings", "answer": "llm"}"#)) { (response) throws in
                #expect(response.status == .serviceUnavailable && response.headers[.retryAfter] != nil)
                let error = try Fixture.errorBody(response)
                #expect(error.code == "llm_unavailable" && error.message.contains("unreachable"), "\(error)")
            }
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: headers,
                                     body: ByteBuffer(string: #"{"query": "saturn rings", "answer": "llm", "stream": true}"#)) { (response) throws in
                let events = Self.events(response.body)
                #expect(events.map(\.name) == ["retrieved", "error"])
                let last = try Self.object(try #require(events.last))
                let error = try #require(last["error"] as? [String: Any])
                #expect(error["code"] as? String == "llm_unavailable" && error.keys.contains("field"))
            }
            try await client.execute(uri: "/api/v1/rag/query", method: .post, headers: headers,
                                     body: ByteBuffer(string: #"{"query": "saturn rings"}"#)) { #expect($0.status == .ok) }
        }
    }
}

extension LLMAnswerTests {
    @Test("an llm node writes its reply with llama-server from a templated prompt, streamed into the run's log; without an LLM, or with one down, the node fails saying why")
    func llmNode() async throws {
        let server = try await offPool { try LlamaServer() }
        defer { server.stop() }
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let workflow = #"""
            {"id": "greet", "name": "greet", "nodes": [
              {"id": "start", "type": "trigger", "config": {}},
              {"id": "write", "type": "llm", "config": {"system": "You are brief.", "prompt": "Say hello to {{ trigger.name }} in one sentence.", "max_tokens": 24}}],
             "edges": [{"from": "start", "to": "write"}]}
            """#
        let closed = try freePort()
        let models: [(any ChatModel)?] = [OpenAIChatModel(baseURL: server.baseURL, model: "smollm2"), nil,
                                          OpenAIChatModel(baseURL: "http://127.0.0.1:\(closed)/v1", model: "none", client: HTTPClient(retries: 0))]
        var outcomes: [[String: Any]] = []
        var streamed: [String] = []
        for model in models {
            let setup = try WorkflowAPITests.setup(llm: model.map(LLMAnswerer.init))
            let body = try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
                let headers = DocumentAndQueryAPITests.headers(editor, json: true)
                try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: ByteBuffer(string: workflow)) { (response) throws in
                    #expect(response.status == .created, "\(String(buffer: response.body))")
                }
                let started = try await client.execute(uri: "/api/v1/workflows/greet/run", method: .post, headers: headers,
                                                       body: ByteBuffer(string: #"{"inputs": {"name": "Ada"}}"#))
                let id = try #require(try DocumentAndQueryAPITests.json(started.body)["id"] as? String)
                try await setup.drain()
                let logs = try DocumentAndQueryAPITests.json(try await client.execute(uri: "/api/v1/runs/\(id)/logs", method: .get, headers: headers).body)
                let text = (logs["logs"] as? [[String: Any]] ?? []).filter { ($0["data"] as? [String: Any])?["stream"] as? String == "text" }
                    .compactMap { $0["message"] as? String }.joined()
                return (try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: headers).body, text)
            }
            outcomes.append(try DocumentAndQueryAPITests.json(body.0))
            streamed.append(body.1)
        }
        let written = outcomes[0]["nodes"] as? [[String: Any]]
        #expect(outcomes[0]["status"] as? String == "succeeded", "\(outcomes[0])")
        let text = (written?.last?["output"] as? [String: Any])?["text"] as? String ?? ""
        #expect(!text.isEmpty && text == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(text)")
        #expect(streamed[0].trimmingCharacters(in: .whitespacesAndNewlines) == text, "the reply was streamed into the run's log: \(streamed[0])")
        let unconfigured = (outcomes[1]["nodes"] as? [[String: Any]])?.last
        #expect(outcomes[1]["status"] as? String == "failed" && (unconfigured?["error"] as? String)?.contains("llm_url") == true, "\(outcomes[1])")
        let down = (outcomes[2]["nodes"] as? [[String: Any]])?.last
        #expect(outcomes[2]["status"] as? String == "failed" && (down?["error"] as? String)?.contains("unreachable") == true, "\(outcomes[2])")
    }
}
