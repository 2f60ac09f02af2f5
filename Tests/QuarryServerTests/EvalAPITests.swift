import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryEngine
import QuarryServer
import QuarryTestSupport
import Testing

/// `/api/v1/eval/runs`: the `quarry eval` records in a folder, listed newest first to admins, one
/// read with its queries; nothing else in the folder is served, whatever the name asked.
@Suite("the eval runs")
struct EvalAPITests {
    static func record(_ dataset: String, mode: String, ndcg: Double, at seconds: TimeInterval) -> EvalRecord {
        let qrels: RetrievalMetrics.Qrels = ["q1": ["d1": 1], "q2": ["d2": 2, "d3": 0]]
        let run: RetrievalMetrics.Run = ["q1": ["d1": 0.9, "d9": 0.5], "q2": ["d3": 0.8, "d2": 0.4]]
        var metrics = RetrievalMetrics.evaluate(run, qrels)
        metrics.ndcgAt10 = ndcg
        return EvalRecord(dataset: dataset, mode: mode, run: run, qrels: qrels, queryTexts: ["q1": "first question", "q2": "second"], metrics: metrics,
                          documents: 3, chunks: 4, indexSeconds: 1.5, querySeconds: 0.2, vectorStore: "embedded",
                          writtenAt: Date(timeIntervalSince1970: seconds))
    }

    static func folder() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try EvalRecord.encoder.encode(record("scifact", mode: "dense", ndcg: 0.6, at: 1_000)).write(to: directory.appendingPathComponent("scifact-dense.json"))
        try EvalRecord.encoder.encode(record("scifact", mode: "hybrid", ndcg: 0.7, at: 2_000)).write(to: directory.appendingPathComponent("scifact-hybrid.json"))
        try Data("{not json".utf8).write(to: directory.appendingPathComponent("broken.json"))
        try Data("{}".utf8).write(to: directory.appendingPathComponent("other.json"))
        try EvalRecord.encoder.encode(record("hidden", mode: "dense", ndcg: 0.1, at: 3_000)).write(to: directory.appendingPathComponent(".hidden.json"))
        return directory
    }

    @Test("admins list the readable records newest first, without queries; one reads with each query's metrics and best passages")
    func listAndRead() async throws {
        let authority = try await Fixture.authority()
        let admin = try await Fixture.token(authority, tenant: "acme", role: .admin)
        var engine = try DocumentAndQueryAPITests.engine().dependencies
        engine.evalArchive = EvalArchive(directory: try Self.folder())
        let app = Application(router: makeRouter(ServerDependencies(authority: authority, metrics: Fixture.metrics, readinessChecks: [], engine: engine)))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/eval/runs", method: .get, headers: Fixture.bearer(admin)) { response in
                #expect(response.status == .ok)
                let runs = try #require(try Fixture.json(response)["runs"] as? [[String: Any]])
                #expect(runs.map { $0["name"] as? String } == ["scifact-hybrid", "scifact-dense"])
                #expect(runs.allSatisfy { $0["queries"] == nil || $0["queries"] is NSNull })
                #expect((runs[0]["metrics"] as? [String: Any])?["ndcg_at_10"] as? Double == 0.7)
            }
            try await client.execute(uri: "/api/v1/eval/runs/scifact-dense", method: .get, headers: Fixture.bearer(admin)) { response in
                let run = try Fixture.json(response)
                let queries = try #require(run["queries"] as? [[String: Any]])
                #expect(queries.map { $0["id"] as? String } == ["q1", "q2"])
                #expect(queries[0]["text"] as? String == "first question" && queries[0]["ndcg_at_10"] as? Double == 1)
                let top = try #require(queries[1]["top"] as? [[String: Any]])
                #expect(top.map { $0["document"] as? String } == ["d3", "d2"] && top.map { $0["grade"] as? Int } == [0, 2])
                #expect(queries[1]["relevant"] as? [String] == ["d2"])
            }
            for name in ["broken", "other", ".hidden", "..%2Fscifact-dense", "scifact-dense.json", "nope"] {
                try await client.execute(uri: "/api/v1/eval/runs/\(name)", method: .get, headers: Fixture.bearer(admin)) { response in
                    #expect(response.status == .notFound, "\(name)")
                }
            }
        }
    }

    @Test("editors and viewers are refused; without a folder there are no runs")
    func roles() async throws {
        let authority = try await Fixture.authority()
        var engine = try DocumentAndQueryAPITests.engine().dependencies
        engine.evalArchive = EvalArchive(directory: try Self.folder())
        let app = Application(router: makeRouter(ServerDependencies(authority: authority, metrics: Fixture.metrics, readinessChecks: [], engine: engine)))
        try await app.test(.router) { client in
            for role in [Role.viewer, .editor] {
                let token = try await Fixture.token(authority, tenant: "acme", role: role)
                try await client.execute(uri: "/api/v1/eval/runs", method: .get, headers: Fixture.bearer(token)) { #expect($0.status == .forbidden) }
            }
        }
        let missing = EvalArchive(directory: URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)"))
        #expect(missing.runs().isEmpty)
        #expect(throws: NotFound.self) { try missing.run("scifact-dense") }
    }
}
