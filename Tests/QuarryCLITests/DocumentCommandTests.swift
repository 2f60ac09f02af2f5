import Foundation
import QuarryTestSupport
import Testing

@Suite("quarry embed, parse and chunk as a user runs them")
struct DocumentCommandTests {
    @Test("embed --json --tokens prints the model, the dimensions, unit vectors and the token ids")
    func embedJSON() throws {
        let result = try QuarryBinary.run(["embed", "--json", "--tokens", "What is the capital of France?", "Hello, world!"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        struct Output: Decodable { let model: String; let dimensions: Int; let embeddings: [[Double]]; let tokens: [[Int]] }
        let output = try JSONDecoder().decode(Output.self, from: Data(result.standardOutput.utf8))
        #expect(output.model == "sentence-transformers/all-MiniLM-L6-v2")
        #expect(output.dimensions == 384)
        #expect(output.embeddings.count == 2 && output.embeddings.allSatisfy { $0.count == 384 })
        #expect(output.embeddings.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4 })
        #expect(output.tokens == [[101, 2054, 2003, 1996, 3007, 1997, 2605, 1029, 102], [101, 7592, 1010, 2088, 999, 102]])
    }

    @Test("a model directory without the model is a one-line configuration error")
    func missingModel() throws {
        let result = try QuarryBinary.run(["embed", "hello"], environment: ["QUARRY_MODEL_DIR": "/nonexistent/model"])
        #expect(result.status == 78)
        #expect(result.standardError.hasPrefix("quarry: configuration: model_dir (from /nonexistent/model)"))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test("parse --json follows DESIGN's field names; a file that is not a document fails with exit 65")
    func parseJSON() throws {
        let pdf = repositoryRoot.appendingPathComponent("corpora/pdf/multicolumn.pdf").path
        let result = try QuarryBinary.run(["parse", "--json", pdf])
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(document["status"] as? String == "parsed")
        let pages = try #require(document["pages"] as? [[String: Any]])
        #expect(pages.count == 3 && pages[0]["number"] as? Int == 1 && (pages[0]["text"] as? String)?.isEmpty == false)

        let notADocument = FileManager.default.temporaryDirectory.appendingPathComponent("notes-\(UUID().uuidString).dat").path
        try Data("plain words".utf8).write(to: URL(fileURLWithPath: notADocument))
        let failure = try QuarryBinary.run(["parse", notADocument])
        #expect(failure.status == 65)
        #expect(failure.standardError.contains("unsupported document type"))
    }

    @Test("chunk --json gives chunks with pageStart, pageEnd, spans and text")
    func chunkJSON() throws {
        let html = repositoryRoot.appendingPathComponent("corpora/html/python-tutorial-appendix.html").path
        let result = try QuarryBinary.run(["chunk", "--json", html])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let chunks = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        #expect(!chunks.isEmpty)
        #expect(chunks.allSatisfy { $0["pageStart"] as? Int == 1 && $0["pageEnd"] as? Int == 1 && $0["text"] is String && $0["spans"] is [Any] })
    }
}
