import Foundation
import QuarryCore
import QuarryEmbedded
import Testing

@Suite("embedded document store")
struct SQLiteDocumentStoreTests {
    static func store() throws -> SQLiteDocumentStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SQLiteDocumentStore(database: SQLiteDatabase(path: directory.path + "/quarry.sqlite"), files: directory.appendingPathComponent("files"))
    }

    static func record(_ id: String, tenant: String = "acme", uri: String = "file:///a.pdf", age: Double = 0) -> DocumentRecord {
        DocumentRecord(id: id, tenant: tenant, source: Document.Source(uri: uri, filename: "a.pdf", mediaType: .pdf),
                       createdAt: Date(timeIntervalSince1970: 1_700_000_000 + age))
    }

    static func chunk(_ id: String, document: String) -> Chunk {
        Chunk(id: id, documentId: document, tenant: "acme", ordinal: 0, text: "text of \(id)", headingPath: ["H"], pageStart: 1, pageEnd: 1,
              spans: [Chunk.Span(page: 1, start: 0, end: 10)], boxes: [Box(page: 1, x0: 1, y0: 2, x1: 3, y1: 4)], tokenCount: 3)
    }

    @Test("records round-trip, list newest first, and stay within their tenant")
    func records() async throws {
        let store = try Self.store()
        for (index, id) in ["d1", "d2", "d3"].enumerated() { try await store.save(Self.record(id, age: Double(index))) }
        try await store.save(Self.record("d9", tenant: "globex"))
        var updated = Self.record("d2", age: 1)
        updated.status = .indexed
        updated.chunks = 4
        try await store.save(updated)
        #expect(try await store.record("d2", tenant: "acme") == updated)
        #expect(try await store.record("d9", tenant: "acme") == nil)
        #expect(try await store.records(tenant: "acme", limit: 2, offset: 0).map(\.id) == ["d3", "d2"])
        #expect(try await store.records(tenant: "acme", limit: 2, offset: 2).map(\.id) == ["d1"])
        #expect(try await store.records(source: "file:///a.pdf", tenant: "acme").count == 3)
    }

    @Test("chunks are replaced per document; delete removes record, chunks and bytes")
    func chunksAndBytes() async throws {
        let store = try Self.store()
        try await store.save(Self.record("d1"))
        try await store.saveChunks([Self.chunk("c1", document: "d1"), Self.chunk("c2", document: "d1")], document: "d1", tenant: "acme")
        try await store.saveChunks([Self.chunk("c3", document: "d1")], document: "d1", tenant: "acme")
        #expect(try await store.chunks(["c1", "c3"], tenant: "acme").map(\.id) == ["c3"])
        #expect(try await store.chunks(["c3"], tenant: "globex").isEmpty)
        #expect(try await store.chunks(["c3"], tenant: "acme").first == Self.chunk("c3", document: "d1"))
        try await store.saveBytes(Data("%PDF-1.4".utf8), document: "d1", tenant: "acme")
        #expect(try await store.bytes(document: "d1", tenant: "acme") == Data("%PDF-1.4".utf8))
        #expect(try await store.bytes(document: "d1", tenant: "globex") == nil)
        try await store.delete("d1", tenant: "acme")
        #expect(try await store.record("d1", tenant: "acme") == nil)
        #expect(try await store.chunks(["c3"], tenant: "acme").isEmpty)
        #expect(try await store.bytes(document: "d1", tenant: "acme") == nil)
    }

    @Test("a tenant name never becomes a path")
    func hostileTenant() async throws {
        let store = try Self.store()
        try await store.saveBytes(Data("x".utf8), document: "../../etc", tenant: "../..")
        #expect(try await store.bytes(document: "../../etc", tenant: "../..") == Data("x".utf8))
    }
}
