import Foundation
import QuarryCore
@testable import QuarryEmbedded
import QuarryTestSupport
import Testing

/// Searches read an immutable snapshot of the embedded index: writes, deletes and compactions
/// publish a new one and change nothing an older one reads.
@Suite("embedded index snapshots")
struct SnapshotReadTests {
    static func points(_ document: Int, version: Int, chunks: Int = 40) -> [IndexPoint] {
        // Every chunk of a version has the same vector: a result that mixed versions would show two scores.
        (0..<chunks).map { chunk in
            IndexPoint(chunkId: "d\(document)-c\(chunk)", tenant: "acme", documentId: "d\(document)", vector: unitVector(1000 * document + version, dimensions: 32),
                       terms: ["word\(version % 7)", "chunk\(chunk)"], metadata: ["version": "\(version)"])
        }
    }

    @Test("a snapshot taken before writes, deletes and a compaction still answers as the index did then")
    func oldSnapshotUnchanged() async throws {
        let index = try EmbeddedVectorIndex()
        for document in 0..<6 { try await index.upsert(Self.points(document, version: 0)) }
        let queries = RetrievalMode.allCases.map { mode in
            IndexQuery(tenant: "acme", mode: mode, vector: unitVector(2003, dimensions: 32), terms: ["word0", "chunk3"], limit: 50)
        }
        let before = try await queries.asyncMap { try await index.search($0) }
        let old = index.snapshot

        let rowsBefore = index.rowCount
        for document in 0..<6 { try await index.upsert(Self.points(document, version: 1)) }  // every chunk replaced
        for document in 0..<5 { try await index.deleteDocument("d\(document)", tenant: "acme") }
        #expect(index.rowCount < rowsBefore, "the writes were meant to compact the rows")
        try await index.upsert(Self.points(9, version: 3))

        for (query, expected) in zip(queries, before) {
            #expect(try EmbeddedVectorIndex.search(query, in: old) == expected, "\(query.mode)")
            #expect(try await index.search(query) != expected, "\(query.mode): the writes should have changed the answer")
        }
    }

    @Test("searches running while a document is replaced, deleted and compacted see all of one version or none of it")
    func concurrentSearchesSeeWholeWrites() async throws {
        let database = try SQLiteDatabase(path: FileManager.default.temporaryDirectory.appendingPathComponent("snapshots-\(UUID().uuidString).sqlite").path)
        let index = try EmbeddedVectorIndex(database: database)
        for document in 0..<3 { try await index.upsert(Self.points(document, version: 0)) }
        let query = IndexQuery(tenant: "acme", mode: .dense, vector: unitVector(7, dimensions: 32), limit: 40, documentIds: ["d1"])
        let hybrid = IndexQuery(tenant: "acme", mode: .hybrid, vector: unitVector(7, dimensions: 32), terms: ["chunk5"], limit: 200)
        let done = Flag()
        async let writes: Void = {
            for version in 1...60 {
                if version % 10 == 0 {
                    try await index.deleteDocument("d1", tenant: "acme")  // removed rows now outnumber live ones: compacted
                } else {
                    try await index.upsert(Self.points(1, version: version))
                }
                let visible = try await index.search(query)
                #expect(visible.count == (version % 10 == 0 ? 0 : 40), "an acknowledged write is visible to the next search")
            }
            done.set()
        }()
        var searches = 0
        while !done.isSet {
            for found in [try await index.search(query)] {
                #expect(found.isEmpty || (found.count == 40 && Set(found.map(\.score)).count == 1),
                        "a search saw \(found.count) chunks with \(Set(found.map(\.score)).count) different scores")
            }
            let mixed = try await index.search(hybrid).filter { $0.documentId == "d1" }
            #expect(Set(mixed.map(\.chunkId)).count == mixed.count, "a chunk appeared twice")
            searches += 1
        }
        try await writes
        #expect(searches > 10)
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
