import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryEmbedding
import QuarryHTTP
import QuarryServer
import QuarryTestSupport
import Testing

/// `POST /v1/embeddings` with the real in-process model, called by the official openai client.
@Suite("OpenAI-compatible /v1/embeddings")
struct EmbeddingsEndpointTests {
    static let embedder = try! MiniLMEmbedder(directory: ModelFiles.directory)
    static let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Peers/openai_embeddings.py").path

    static func application(_ authority: TokenAuthority) -> some ApplicationProtocol {
        Application(router: makeRouter(ServerDependencies(
            authority: authority, metrics: Fixture.metrics, readinessChecks: [], embedder: embedder
        )))
    }

    @Test("the openai client gets the model's vectors, base64 and float alike, with usage")
    func openAIClient() async throws {
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority)
        let texts = ["What is the capital of France?", "Paris is the capital of France."]
        let expected = try await Self.embedder.embed(texts).vectors
        try await Self.application(authority).test(.live) { client in
            let port = try #require(client.port)
            let output = try await offPool {
                try run(Venv.python, [Self.peer, "http://127.0.0.1:\(port)/v1", token, "sentence-transformers/all-MiniLM-L6-v2"] + texts)
            }
            struct Output: Decodable {
                let model: String
                let embeddings: [[Float]]
                let float_embeddings: [[Float]]
                let indexes: [Int]
                let prompt_tokens: Int
            }
            let result = try JSONDecoder().decode(Output.self, from: Data(output.utf8))
            #expect(result.model == "sentence-transformers/all-MiniLM-L6-v2")
            #expect(result.indexes == [0, 1])
            #expect(result.embeddings == expected, "base64 must carry the exact float32 values")
            #expect(zip(result.float_embeddings, expected).allSatisfy { zip($0, $1).allSatisfy { abs($0 - $1) < 1e-6 } })
            #expect(result.prompt_tokens == Self.embedder.tokens(texts).reduce(0) { $0 + $1.count })

            let refused = try await offPool { try run(Venv.python, [Self.peer, "--bad-token", "http://127.0.0.1:\(port)/v1"]) }
            #expect(refused.trimmingCharacters(in: .whitespacesAndNewlines) == "AuthenticationError 401")
        }
    }

    @Test("the remote embedder over libcurl gets the same vectors from Quarry's endpoint; failures are clear")
    func remoteEmbedder() async throws {
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority)
        let texts = (0..<5).map { "passage number \($0) about Paris and France" }
        let expected = try await Self.embedder.embed(texts)
        try await Self.application(authority).test(.live) { client in
            let port = try #require(client.port)
            let remote = OpenAIEmbedder(
                baseURL: "http://127.0.0.1:\(port)/v1", model: "all-MiniLM-L6-v2", dimensions: 384, apiKey: token, batchSize: 2
            )
            let result = try await remote.embed(texts)
            #expect(result.vectors.count == 5)
            #expect(zip(result.vectors, expected.vectors).allSatisfy { zip($0, $1).allSatisfy { abs($0 - $1) < 1e-6 } })
            #expect(result.tokenCount == expected.tokenCount)

            let forged = OpenAIEmbedder(baseURL: "http://127.0.0.1:\(port)/v1", model: "all-MiniLM-L6-v2", dimensions: 384, apiKey: "forged")
            await #expect { try await forged.embed(["x"]) } throws: { error in
                guard case .remote(.status(_, 401, _)) = error as? OpenAIEmbedder.EmbedError else { return false }
                return true
            }
            let wrongSize = OpenAIEmbedder(baseURL: "http://127.0.0.1:\(port)/v1", model: "all-MiniLM-L6-v2", dimensions: 768, apiKey: token)
            await #expect(throws: OpenAIEmbedder.EmbedError.self) { try await wrongSize.embed(["x"]) }
        }
        let closed = try freePort()
        let unreachable = OpenAIEmbedder(
            baseURL: "http://127.0.0.1:\(closed)/v1", model: "m", dimensions: 384, client: HTTPClient(retries: 1, initialBackoff: .milliseconds(10))
        )
        // Down is worth retrying later (503 from the API, a retried job), unlike a refusal.
        await #expect { try await unreachable.embed(["x"]) } throws: { error in
            (error as? BackendUnavailable)?.backend == "embedder"
        }
    }

    @Test("bad requests answer 400 or 404 with a reason", arguments: [
        (#"{"input": []}"#, 400), (#"{"input": ""}"#, 400), (#"{"input": [[101, 102]]}"#, 400), (#"{"input": 3}"#, 400),
        (#"{"input": "hi", "model": "text-embedding-3-small"}"#, 404), (#"{"input": "hi", "encoding_format": "int8"}"#, 400),
        (#"{"input": "hi", "dimensions": 1536}"#, 400), (#"{"inpt": "hi"}"#, 400), ("not json", 400),
        (#"{"input": [\#(Array(repeating: #""w""#, count: 2049).joined(separator: ","))]}"#, 400),
    ])
    func badRequests(body: String, status: Int) async throws {
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority)
        try await Self.application(authority).test(.router) { client in
            try await client.execute(uri: "/v1/embeddings", method: .post, headers: Fixture.bearer(token), body: ByteBuffer(string: body)) { (response) throws in
                #expect(Int(response.status.code) == status, "body \(body)")
                #expect(!(try Fixture.errorBody(response).message.isEmpty))
            }
        }
    }

    @Test("the short model name is accepted and a single string gives one vector")
    func shortName() async throws {
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority)
        try await Self.application(authority).test(.router) { client in
            let body = ByteBuffer(string: #"{"input": "hello", "model": "all-MiniLM-L6-v2", "encoding_format": "float"}"#)
            try await client.execute(uri: "/v1/embeddings", method: .post, headers: Fixture.bearer(token), body: body) { (response) throws in
                #expect(response.status == .ok)
                let json = try Fixture.json(response)
                let data = try #require(json["data"] as? [[String: Any]])
                #expect(data.count == 1 && (data[0]["embedding"] as? [Double])?.count == 384)
                #expect(json["object"] as? String == "list")
            }
        }
    }
}
