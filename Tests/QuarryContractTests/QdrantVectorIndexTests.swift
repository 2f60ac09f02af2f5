import Foundation
import QuarryCore
import QuarryEmbedded
@testable import QuarryQdrant
import QuarryTestSupport
import Testing

/// What only the Qdrant adapter does: BM25 weights that Qdrant's IDF completes, point ids, the
/// collection's set-up, API keys, and a server that goes away and comes back.
@Suite("Qdrant vector index")
struct QdrantVectorIndexTests {
    static func index(_ server: QdrantTestServer, apiKey: String? = nil, collection: String? = nil, averageChunkTerms: Float = BM25SparseEncoder.defaultAverageLength) -> QdrantVectorIndex {
        QdrantVectorIndex(configuration: QdrantConfiguration(
            url: server.url, apiKey: apiKey, collection: collection ?? "test_\(UUID().uuidString.prefix(8))", dimensions: IndexBackend.dimensions,
            averageChunkTerms: averageChunkTerms
        ))
    }

    @Test("sparse scores through Qdrant's IDF modifier are Quarry's own BM25 scores")
    func bm25Parity() async throws {
        let analyzer = TextAnalyzer()
        let texts = [
            "The solar panel converts sunlight into electricity for the house.",
            "Wind turbines convert wind into electricity; wind farms stand at sea.",
            "Electricity prices rose as demand for electricity grew in winter.",
            "A house with a garden and a view of the sea.",
            "Panels, turbines and batteries: the parts of a small grid.",
            "Sunlight, wind and water are renewable sources of electricity.",
        ]
        let points = texts.enumerated().map { point($0.offset, terms: analyzer.terms($0.element)) }
        let mean = Float(points.map(\.terms.count).reduce(0, +)) / Float(points.count)
        let qdrant = Self.index(try SharedQdrant.server.get(), averageChunkTerms: mean)
        let embedded = try EmbeddedVectorIndex()
        try await qdrant.upsert(points)
        try await embedded.upsert(points)
        for question in ["electricity from wind", "sea house", "solar panels sunlight sunlight", "grid batteries"] {
            let query = IndexQuery(tenant: "acme", mode: .sparse, terms: analyzer.terms(question), limit: 10)
            let expected = try await embedded.search(query)
            let found = try await qdrant.search(query)
            #expect(found.map(\.chunkId) == expected.map(\.chunkId), "\(question)")
            for (a, b) in zip(found, expected) { #expect(abs(a.score - b.score) < 1e-4 * max(1, b.score), "\(question): \(a) vs \(b)") }
        }
    }

    @Test("point ids are UUIDs fixed by tenant and chunk id")
    func pointIds() {
        let id = QdrantVectorIndex.pointId(tenant: "acme", chunkId: "c1")
        #expect(id == QdrantVectorIndex.pointId(tenant: "acme", chunkId: "c1"))
        #expect(id != QdrantVectorIndex.pointId(tenant: "globex", chunkId: "c1"))
        #expect(UUID(uuidString: id) != nil && id == id.lowercased())
        #expect(Array(id)[14] == "8")  // version 8
    }

    @Test("several instances set up the same collection at once without an error")
    func concurrentSetUp() async throws {
        let server = try SharedQdrant.server.get()
        let collection = "test_\(UUID().uuidString.prefix(8))"
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<4 {
                group.addTask { try await Self.index(server, collection: collection).upsert([point(n)]) }
            }
            try await group.waitForAll()
        }
        #expect(try await Self.index(server, collection: collection).count(tenant: "acme") == 4)
    }

    @Test("with an API key: a wrong key is refused as such (not as an outage) and never echoed")
    func apiKey() async throws {
        let server = try QdrantTestServer(apiKey: "right-key-0123456789")
        let collection = "test_keys"
        try await Self.index(server, apiKey: "right-key-0123456789", collection: collection).upsert([point(1)])
        for key in ["wrong-key-9876543210", nil] {
            let error = await #expect(throws: QdrantError.self) {
                try await Self.index(server, apiKey: key, collection: collection).count(tenant: "acme")
            }
            #expect([401, 403].contains(error?.status ?? 0))
            #expect(!(error?.description.contains("key-") ?? true))
        }
    }

    @Test("Qdrant down: calls fail as unavailable, readiness says why; back up, the same instance carries on")
    func outage() async throws {
        let server = try QdrantTestServer()
        server.stop()
        let index = Self.index(server)
        let error = await #expect(throws: BackendUnavailable.self) { try await index.upsert([point(1)]) }
        #expect(error?.backend == "qdrant" && error?.reason.contains("unreachable") == true)
        await #expect(throws: BackendUnavailable.self) { try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: unitVector(1), limit: 1)) }
        #expect(await index.problem()?.contains("unreachable") == true)

        try server.start()
        #expect(await index.problem() == nil)
        try await index.upsert([point(1), point(2)])
        #expect(try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: unitVector(2), limit: 1)).first?.chunkId == "c2")

        server.stop()  // and once more while the collection exists
        await #expect(throws: BackendUnavailable.self) { try await index.count(tenant: "acme") }
        try server.start()
        #expect(try await index.count(tenant: "acme") == 2)
    }
}
