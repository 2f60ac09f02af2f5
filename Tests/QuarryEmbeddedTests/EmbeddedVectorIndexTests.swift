import COpenBLAS
import QuarryCore
import Foundation
import QuarryEmbedded
import Testing

@Suite("embedded vector index")
struct EmbeddedVectorIndexTests {
    /// Deterministic unit vectors.
    static func vector(_ seed: Int, dimensions: Int = 24) -> [Float] {
        var state = UInt64(seed) &* 0x9E3779B97F4A7C15 &+ 1
        let raw = (0..<dimensions).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
        }
        let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return raw.map { $0 / norm }
    }

    static func point(_ n: Int, tenant: String = "acme", document: String? = nil, terms: [String] = [], metadata: [String: String] = [:]) -> IndexPoint {
        IndexPoint(chunkId: "c\(n)", tenant: tenant, documentId: document ?? "d\(n / 10)", vector: vector(n), terms: terms, metadata: metadata)
    }

    @Test("dense search returns exact scores in brute force's order (int8 scan, float32 rescoring)")
    func exactDense() async throws {
        let index = try EmbeddedVectorIndex()
        try await index.upsert((0..<500).map { Self.point($0) })
        let query = Self.vector(9999)
        let hits = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 20))
        let brute = (0..<500).map { n in (n, zip(Self.vector(n), query).reduce(0.0) { $0 + Double($1.0 * $1.1) }) }
            .sorted { $0.1 > $1.1 }.prefix(20)
        #expect(hits.map(\.chunkId) == brute.map { "c\($0.0)" })
        for (hit, expected) in zip(hits, brute) { #expect(abs(hit.score - expected.1) < 1e-5) }
    }

    @Test("a large index (scanned by both cores) ranks as brute force does too")
    func exactDenseLarge() async throws {
        let index = try EmbeddedVectorIndex()
        try await index.upsert((0..<25_000).map { Self.point($0) })
        let query = Self.vector(424_242)
        let hits = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 10))
        let brute = (0..<25_000).map { n in (n, zip(Self.vector(n), query).reduce(0.0) { $0 + Double($1.0 * $1.1) }) }
            .sorted { $0.1 > $1.1 }.prefix(10)
        #expect(hits.map(\.chunkId) == brute.map { "c\($0.0)" })
    }

    @Test("int8 scan with rescoring: recall@10 against exact search ≥ 0.99 on 30,000 vectors of 384 dimensions")
    func quantisedRecall() async throws {
        let rows = 30_000, dimensions = 384, queries = 50
        // Clustered like real embeddings: each row near one of 300 centres, so neighbours are close calls.
        let centres = (0..<300).map { Self.vector(1_000_000 + $0, dimensions: dimensions) }
        func row(_ n: Int) -> [Float] {
            let noise = Self.vector(n, dimensions: dimensions)
            let centre = centres[n % centres.count]
            var mixed = [Float](repeating: 0, count: dimensions)
            var norm: Float = 0
            for d in 0..<dimensions {
                mixed[d] = 0.8 * centre[d] + 0.6 * noise[d]
                norm += mixed[d] * mixed[d]
            }
            cblas_sscal(Int32(dimensions), 1 / norm.squareRoot(), &mixed, 1)
            return mixed
        }
        let vectors = (0..<rows).map(row)
        let index = try EmbeddedVectorIndex()
        try await index.upsert(vectors.enumerated().map { IndexPoint(chunkId: "c\($0.offset)", tenant: "acme", documentId: "d", vector: $0.element, terms: []) })
        // The exact ranking from OpenBLAS's sgemv, an implementation independent of Quarry's kernels.
        let matrix = vectors.flatMap { $0 }
        var found = 0
        for q in 0..<queries {
            let query = row(rows + 7 * q)
            var scores = [Float](repeating: 0, count: rows)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(dimensions), 1, matrix, Int32(dimensions), query, 1, 0, &scores, 1)
            let exact = Set(scores.indices.sorted { scores[$0] > scores[$1] }.prefix(10).map { "c\($0)" })
            let hits = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 10))
            found += Set(hits.map(\.chunkId)).intersection(exact).count
        }
        let recall = Double(found) / Double(queries * 10)
        #expect(recall >= 0.99, "recall@10 \(recall)")
    }

    @Test("a tenant sees only its own chunks; filters narrow by document and metadata")
    func scoping() async throws {
        let index = try EmbeddedVectorIndex()
        try await index.upsert((0..<50).map { Self.point($0, metadata: ["lang": $0 % 2 == 0 ? "en" : "de"]) })
        try await index.upsert((50..<60).map { Self.point($0, tenant: "globex") })
        let query = Self.vector(55)
        let acme = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 100))
        #expect(acme.count == 50 && !acme.contains { $0.chunkId == "c55" })
        let globex = try await index.search(IndexQuery(tenant: "globex", mode: .dense, vector: query, limit: 3))
        #expect(globex.first?.chunkId == "c55")
        let filtered = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 100, documentIds: ["d1"], metadata: ["lang": "de"]))
        #expect(Set(filtered.map(\.chunkId)) == ["c11", "c13", "c15", "c17", "c19"])
        #expect(try await index.count(tenant: "acme") == 50)
        #expect(try await index.count(tenant: "nobody") == 0)
    }

    @Test("upserting a chunk id again replaces it; deleting a document removes its chunks")
    func updates() async throws {
        let index = try EmbeddedVectorIndex()
        try await index.upsert((0..<30).map { Self.point($0, terms: ["old"]) })
        var replacement = Self.point(3, terms: ["new"])
        replacement.vector = Self.vector(777)
        try await index.upsert([replacement])
        #expect(try await index.count(tenant: "acme") == 30)
        let top = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: Self.vector(777), limit: 1))
        #expect(top.first?.chunkId == "c3" && abs(top[0].score - 1) < 1e-5)
        #expect(try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: ["new"], limit: 10)).map(\.chunkId) == ["c3"])
        #expect(try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: ["old"], limit: 100)).count == 29)

        try await index.deleteDocument("d1", tenant: "acme")
        #expect(try await index.count(tenant: "acme") == 20)
        let left = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: Self.vector(15), limit: 100))
        #expect(!left.contains { $0.documentId == "d1" })
        try await index.deleteDocument("d0", tenant: "other")  // another tenant's id: nothing happens
        #expect(try await index.count(tenant: "acme") == 20)
    }

    @Test("hybrid fuses dense and BM25 rankings with the query's fusion", arguments: [Fusion.reciprocalRank(), Fusion.standard])
    func hybrid(fusion: Fusion) async throws {
        let index = try EmbeddedVectorIndex()
        let analyzer = TextAnalyzer()
        let texts = ["solar panels on roofs", "wind turbines at sea", "roof repair after storms", "sea salt production"]
        try await index.upsert(texts.enumerated().map { Self.point($0.offset, terms: analyzer.terms($0.element)) })
        let query = IndexQuery(tenant: "acme", mode: .hybrid, vector: Self.vector(1), terms: analyzer.terms("roof"), limit: 4, candidates: 4, fusion: fusion)
        let hits = try await index.search(query)
        let dense = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: Self.vector(1), limit: 4))
        let sparse = try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: analyzer.terms("roof"), limit: 4))
        let expected = fusion.fuse([dense.map { ($0.chunkId, $0.score) }, sparse.map { ($0.chunkId, $0.score) }])
        #expect(hits.map(\.chunkId) == expected.map(\.key))
    }

    @Test("a vector of the wrong size is refused")
    func dimensions() async throws {
        let index = try EmbeddedVectorIndex()
        try await index.upsert([Self.point(1)])
        await #expect(throws: IndexError.dimensions(expected: 24, found: 3)) {
            try await index.upsert([IndexPoint(chunkId: "x", tenant: "acme", documentId: "d", vector: [1, 0, 0], terms: [])])
        }
        await #expect(throws: IndexError.dimensions(expected: 24, found: 2)) {
            try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: [1, 0], limit: 1))
        }
    }

    @Test("with a database, a reopened index answers exactly as before, removals included")
    func persistence() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("index-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let analyzer = TextAnalyzer()
        let queries = (0..<5).map { IndexQuery(tenant: "acme", mode: .hybrid, vector: Self.vector(1000 + $0), terms: analyzer.terms("word\($0)"), limit: 15) }
        var before: [[IndexHit]] = []
        do {
            let index = try EmbeddedVectorIndex(database: SQLiteDatabase(path: path))
            try await index.upsert((0..<200).map { Self.point($0, terms: ["word\($0 % 7)"], metadata: ["n": "\($0)"]) })
            try await index.deleteDocument("d3", tenant: "acme")
            try await index.upsert([Self.point(5, terms: ["word2"])])  // replaces chunk c5
            for query in queries { before.append(try await index.search(query)) }
        }
        let reopened = try EmbeddedVectorIndex(database: SQLiteDatabase(path: path))
        #expect(try await reopened.count(tenant: "acme") == 190)
        for (query, expected) in zip(queries, before) {
            let hits = try await reopened.search(query)
            #expect(hits.map(\.chunkId) == expected.map(\.chunkId))
        }
        let filtered = try await reopened.search(IndexQuery(tenant: "acme", mode: .dense, vector: Self.vector(1), limit: 5, metadata: ["n": "150"]))
        #expect(filtered.map(\.chunkId) == ["c150"])
    }
}
