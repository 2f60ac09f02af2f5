import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

/// What every ``VectorIndex`` promises, asserted alike against the embedded index and Qdrant (Qdrant's
/// own engine behind scripts/testservers/qdrant_edge_server.py).
@Suite("vector index contract")
struct VectorIndexContractTests {
    @Test("a tenant sees only its own chunks; filters narrow by document and metadata", arguments: IndexBackend.allCases)
    func scoping(backend: IndexBackend) async throws {
        let index = try backend.makeIndex().index
        try await index.upsert((0..<50).map { point($0, metadata: ["lang": $0 % 2 == 0 ? "en" : "de"]) })
        try await index.upsert((50..<60).map { point($0, tenant: "globex") })
        let query = unitVector(55)
        let acme = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 100))
        #expect(acme.count == 50 && !acme.contains { $0.chunkId == "c55" })
        let globex = try await index.search(IndexQuery(tenant: "globex", mode: .dense, vector: query, limit: 3))
        #expect(globex.first?.chunkId == "c55")
        let filtered = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 100, documentIds: ["d1"], metadata: ["lang": "de"]))
        #expect(Set(filtered.map(\.chunkId)) == ["c11", "c13", "c15", "c17", "c19"])
        #expect(try await index.count(tenant: "acme") == 50)
        #expect(try await index.count(tenant: "globex") == 10)
        #expect(try await index.count(tenant: "nobody") == 0)
    }

    @Test("metadata filters match whole pairs, whatever characters keys and values hold", arguments: IndexBackend.allCases)
    func metadataPairs(backend: IndexBackend) async throws {
        let index = try backend.makeIndex().index
        try await index.upsert([
            point(1, metadata: ["a=b": "c"]), point(2, metadata: ["a": "b=c"]), point(3, metadata: ["path.to": "x", "%": "=%"]),
        ])
        func found(_ metadata: [String: String]) async throws -> Set<String> {
            Set(try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: unitVector(1), limit: 10, metadata: metadata)).map(\.chunkId))
        }
        #expect(try await found(["a=b": "c"]) == ["c1"])
        #expect(try await found(["a": "b=c"]) == ["c2"])
        #expect(try await found(["path.to": "x", "%": "=%"]) == ["c3"])
        #expect(try await found(["path.to": "x", "%": "other"]) == [])
    }

    @Test("dense search ranks by cosine similarity, best first, at most the limit", arguments: IndexBackend.allCases)
    func denseRanking(backend: IndexBackend) async throws {
        let index = try backend.makeIndex().index
        try await index.upsert((0..<200).map { point($0) })
        let query = unitVector(9999)
        let hits = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 10))
        let exact = (0..<200).map { n in (n, zip(unitVector(n), query).reduce(0.0) { $0 + Double($1.0 * $1.1) }) }
            .sorted { $0.1 > $1.1 }.prefix(10)
        #expect(hits.map(\.chunkId) == exact.map { "c\($0.0)" })
        for (hit, expected) in zip(hits, exact) { #expect(abs(hit.score - expected.1) < 1e-4) }
    }

    @Test("BM25: rare terms weigh more, repeats saturate, chunks without a query term are not returned", arguments: IndexBackend.allCases)
    func sparseRanking(backend: IndexBackend) async throws {
        let index = try backend.makeIndex().index
        var points = (0..<40).map { point($0, terms: ["common", "filler\($0)"]) }
        points.append(point(40, terms: ["rare", "common"]))
        points.append(point(41, terms: ["common", "common", "common", "common"]))
        points.append(point(42, terms: ["unrelated"]))
        try await index.upsert(points)
        let rare = try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: ["rare"], limit: 10))
        #expect(rare.map(\.chunkId) == ["c40"])
        let both = try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: ["common", "rare"], limit: 100))
        #expect(both.first?.chunkId == "c40")
        #expect(both.count == 42 && !both.contains { $0.chunkId == "c42" })
        let common = try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: ["common"], limit: 3))
        #expect(common.first?.chunkId == "c41")  // four repeats, one term: the highest frequency wins
        #expect(try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: ["absent"], limit: 10)).isEmpty)
    }

    @Test("upserting a chunk id again replaces it; deleting a document removes its chunks, only the tenant's", arguments: IndexBackend.allCases)
    func updates(backend: IndexBackend) async throws {
        let index = try backend.makeIndex().index
        try await index.upsert((0..<30).map { point($0, terms: ["old"]) })
        try await index.upsert((0..<10).map { point($0, tenant: "other", terms: ["old"]) })
        var replacement = point(3, terms: ["new"])
        replacement.vector = unitVector(777)
        try await index.upsert([replacement])
        #expect(try await index.count(tenant: "acme") == 30)
        let top = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: unitVector(777), limit: 1))
        #expect(top.first?.chunkId == "c3" && abs((top.first?.score ?? 0) - 1) < 1e-4)
        #expect(try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: ["new"], limit: 10)).map(\.chunkId) == ["c3"])
        #expect(try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: ["old"], limit: 100)).count == 29)

        try await index.deleteDocument("d1", tenant: "acme")
        #expect(try await index.count(tenant: "acme") == 20)
        #expect(try await index.count(tenant: "other") == 10)  // its own d0 untouched
        let left = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: unitVector(15), limit: 100))
        #expect(!left.contains { $0.documentId == "d1" })
        try await index.deleteDocument("d0", tenant: "nobody")
        #expect(try await index.count(tenant: "acme") == 20)
    }

    @Test("hybrid puts first what both retrievers rank high, with either fusion",
          arguments: IndexBackend.allCases, [Fusion.reciprocalRank(), Fusion.standard])
    func hybrid(backend: IndexBackend, fusion: Fusion) async throws {
        let index = try backend.makeIndex().index
        let analyzer = TextAnalyzer()
        let texts = ["solar panels on roofs", "wind turbines at sea", "roof repair for a leaking roof", "sea salt production", "tiles and slates laid on a roof"]
        try await index.upsert(texts.enumerated().map { point($0.offset, terms: analyzer.terms($0.element)) })
        // Chunk 2 is the dense nearest (its own vector) and BM25's best (the term twice): it must lead.
        let query = IndexQuery(tenant: "acme", mode: .hybrid, vector: unitVector(2), terms: analyzer.terms("roof"), limit: 3, candidates: 5, fusion: fusion)
        let hits = try await index.search(query)
        #expect(hits.first?.chunkId == "c2")
        #expect(hits.count == 3 && Set(hits.map(\.chunkId)).count == 3)
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
        // Without terms, hybrid is dense.
        let dense = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: unitVector(4), limit: 3))
        let noTerms = try await index.search(IndexQuery(tenant: "acme", mode: .hybrid, vector: unitVector(4), terms: [], limit: 3, fusion: fusion))
        #expect(noTerms.map(\.chunkId) == dense.map(\.chunkId))
    }

    @Test("a vector of the wrong size is refused", arguments: IndexBackend.allCases)
    func dimensions(backend: IndexBackend) async throws {
        let index = try backend.makeIndex().index
        try await index.upsert([point(1)])
        await #expect(throws: IndexError.dimensions(expected: IndexBackend.dimensions, found: 3)) {
            try await index.upsert([IndexPoint(chunkId: "x", tenant: "acme", documentId: "d", vector: [1, 0, 0], terms: [])])
        }
        await #expect(throws: IndexError.dimensions(expected: IndexBackend.dimensions, found: 2)) {
            try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: [1, 0], limit: 1))
        }
    }

    @Test("reopened on the same storage, the index answers as before, removals included", arguments: IndexBackend.allCases)
    func persistence(backend: IndexBackend) async throws {
        let underTest = try backend.makeIndex(durable: true)
        let analyzer = TextAnalyzer()
        let queries = (0..<5).map { IndexQuery(tenant: "acme", mode: .hybrid, vector: unitVector(1000 + $0), terms: analyzer.terms("word\($0)"), limit: 15) }
        let index = underTest.index
        try await index.upsert((0..<200).map { point($0, terms: ["word\($0 % 7)"], metadata: ["n": "\($0)"]) })
        try await index.deleteDocument("d3", tenant: "acme")
        try await index.upsert([point(5, terms: ["word2"])])  // replaces chunk c5
        var before: [[IndexHit]] = []
        for query in queries { before.append(try await index.search(query)) }

        let reopened = try #require(try underTest.reopen())
        #expect(try await reopened.count(tenant: "acme") == 190)
        for (query, expected) in zip(queries, before) {
            let hits = try await reopened.search(query)
            #expect(sameRanking(hits, expected), "\(hits) after reopening, \(expected) before")
        }
        let filtered = try await reopened.search(IndexQuery(tenant: "acme", mode: .dense, vector: unitVector(1), limit: 5, metadata: ["n": "150"]))
        #expect(filtered.map(\.chunkId) == ["c150"])
    }
}

/// The same hits with the same scores, best first. Equal scores have no order (Qdrant breaks ties by
/// internal offsets, which its optimiser moves), and the last score present may have been cut by
/// the limit, so only its count must agree.
func sameRanking(_ a: [IndexHit], _ b: [IndexHit]) -> Bool {
    guard a.count == b.count, zip(a, b).allSatisfy({ abs($0.score - $1.score) < 1e-6 }) else { return false }
    guard let last = a.last?.score else { return true }
    func groups(_ hits: [IndexHit]) -> [Set<String>] {
        var result: [Set<String>] = []
        var score = Double.nan
        for hit in hits where abs(hit.score - last) >= 1e-6 {
            if abs(hit.score - score) < 1e-6 { result[result.count - 1].insert(hit.chunkId) } else { result.append([hit.chunkId]); score = hit.score }
        }
        return result
    }
    return groups(a) == groups(b)
}
