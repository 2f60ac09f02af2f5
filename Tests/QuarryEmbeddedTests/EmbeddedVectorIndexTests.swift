import COpenBLAS
import QuarryCore
import Foundation
@testable import QuarryEmbedded
import QuarryTestSupport
import Testing

/// What only the embedded index does (its quantised scan); what every index does is in
/// QuarryContractTests.
@Suite("embedded vector index")
struct EmbeddedVectorIndexTests {
    static func vector(_ seed: Int, dimensions: Int = 24) -> [Float] { unitVector(seed, dimensions: dimensions) }

    static func point(_ n: Int, tenant: String = "acme", document: String? = nil, terms: [String] = [], metadata: [String: String] = [:]) -> IndexPoint {
        IndexPoint(chunkId: "c\(n)", tenant: tenant, documentId: document ?? "d\(n / 10)", vector: vector(n), terms: terms, metadata: metadata)
    }

    @Test("chunks replaced and documents deleted again and again: rows are compacted away, and searches answer as a fresh index does")
    func compaction() async throws {
        let words = ["cell", "protein", "gene", "tumour", "mouse", "dose", "trial", "virus", "brain", "heart"]
        func points(round: Int, documents: Range<Int>) -> [IndexPoint] {
            documents.flatMap { document in
                (0..<10).map { chunk in
                    let n = document * 10 + chunk
                    return IndexPoint(chunkId: "c\(n)", tenant: document % 3 == 0 ? "globex" : "acme", documentId: "d\(document)",
                                      vector: Self.vector(n + 1000 * round), terms: (0..<(3 + n % 5)).map { words[(n * 7 + $0 * (round + 1)) % words.count] },
                                      metadata: ["round": "\(round)"])
                }
            }
        }
        let index = try EmbeddedVectorIndex()
        try await index.upsert(points(round: 0, documents: 0..<30))
        for round in 1...4 {
            try await index.upsert(points(round: round, documents: 0..<30))  // every chunk replaced
            for document in stride(from: round, to: 30, by: 5) { try await index.deleteDocument("d\(document)", tenant: document % 3 == 0 ? "globex" : "acme") }
            try await index.upsert(points(round: round, documents: 0..<30).filter { Int($0.documentId.dropFirst())! % 5 == round % 5 })
        }
        #expect(index.rowCount <= 600, "held \(index.rowCount) rows for 300 live ones: never compacted (1,740 rows without)")
        // Deleting documents until removed rows outnumber live ones: then exactly the live rows remain.
        var deleted = 0
        while index.rowCount > (30 - deleted) * 10 && deleted < 30 {
            try await index.deleteDocument("d\(deleted)", tenant: deleted % 3 == 0 ? "globex" : "acme")
            deleted += 1
        }
        #expect(deleted < 30 && index.rowCount == (30 - deleted) * 10)

        // The same live points in the order they were last written (ties rank by that order).
        let fresh = try EmbeddedVectorIndex()
        let last = points(round: 4, documents: deleted..<30)
        try await fresh.upsert(last.filter { Int($0.documentId.dropFirst())! % 5 != 4 } + last.filter { Int($0.documentId.dropFirst())! % 5 == 4 })
        for tenant in ["acme", "globex"] {
            #expect(try await index.count(tenant: tenant) == fresh.count(tenant: tenant))
            for mode in RetrievalMode.allCases {
                for (documents, metadata) in [(nil, [:]), (Set(["d24", "d27", "d29"]), [:]), (nil, ["round": "4"])] as [(Set<String>?, [String: String])] {
                    let query = IndexQuery(tenant: tenant, mode: mode, vector: Self.vector(77), terms: ["cell", "gene", "dose"], limit: 8,
                                           documentIds: documents, metadata: metadata)
                    let (compacted, expected) = (try await index.search(query), try await fresh.search(query))
                    #expect(compacted == expected, "\(tenant) \(mode) \(String(describing: documents))")
                }
            }
        }
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

    @Test("sign-bit first pass, int8 scan and rescoring: recall@10 and @100 against exact search ≥ 0.99 on 30,000 vectors of 384 dimensions")
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
        // Both depths go through the sign-bit pass at this size (a hybrid query asks for 100).
        #expect(EmbeddedVectorIndex.signSurvivors(tenantRows: rows, wanted: 10 * EmbeddedVectorIndex.rescoreFactor) != nil)
        #expect(EmbeddedVectorIndex.signSurvivors(tenantRows: rows, wanted: 100 * EmbeddedVectorIndex.rescoreFactor) != nil)
        var found = 0, foundDeep = 0
        for q in 0..<queries {
            let query = row(rows + 7 * q)
            var scores = [Float](repeating: 0, count: rows)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(dimensions), 1, matrix, Int32(dimensions), query, 1, 0, &scores, 1)
            let ranked = scores.indices.sorted { scores[$0] > scores[$1] }.map { "c\($0)" }
            let hits = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 10))
            found += Set(hits.map(\.chunkId)).intersection(ranked.prefix(10)).count
            let deep = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: query, limit: 100))
            foundDeep += Set(deep.map(\.chunkId)).intersection(ranked.prefix(100)).count
        }
        let (recall, recallDeep) = (Double(found) / Double(queries * 10), Double(foundDeep) / Double(queries * 100))
        #expect(recall >= 0.99, "recall@10 \(recall)")
        #expect(recallDeep >= 0.99, "recall@100 \(recallDeep)")
    }

    @Test("a hybrid query over a tenant large enough for the sign-bit pass (run beside BM25) fuses exactly the lists dense and sparse queries give alone")
    func hybridBesideSignPass() async throws {
        let rows = 8_000, words = ["cell", "protein", "gene", "tumour", "mouse", "dose", "trial", "virus", "brain", "heart", "lung"]
        let index = try EmbeddedVectorIndex()
        try await index.upsert((0..<rows).map { n in
            Self.point(n, terms: (0..<(2 + n % 4)).map { words[(n * 7 + $0 * 3) % words.count] })
        })
        try await index.upsert([Self.point(rows, tenant: "globex", terms: ["gene"])])  // another tenant's row never enters
        #expect(EmbeddedVectorIndex.signSurvivors(tenantRows: rows, wanted: IndexQuery.defaultCandidates * EmbeddedVectorIndex.rescoreFactor) != nil)
        for q in 0..<5 {
            let vector = Self.vector(900_000 + q), terms = [words[q], words[q + 3], words[q]]
            let depth = IndexQuery.defaultCandidates
            let dense = try await index.search(IndexQuery(tenant: "acme", mode: .dense, vector: vector, limit: depth))
            let sparse = try await index.search(IndexQuery(tenant: "acme", mode: .sparse, terms: terms, limit: depth))
            #expect(dense.count == depth && sparse.count == depth)
            for fusion in [Fusion.standard, .reciprocalRank()] {
                let hybrid = try await index.search(IndexQuery(tenant: "acme", mode: .hybrid, vector: vector, terms: terms, limit: 10, fusion: fusion))
                let expected = fusion.fuse([dense.map { ($0.chunkId, $0.score) }, sparse.map { ($0.chunkId, $0.score) }]).prefix(10)
                #expect(hybrid.map(\.chunkId) == expected.map(\.key), "query \(q), \(fusion)")
                #expect(zip(hybrid, expected).allSatisfy { abs($0.score - $1.score) < 1e-12 })
            }
        }
    }
}
