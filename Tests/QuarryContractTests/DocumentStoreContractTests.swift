import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

/// What every ``DocumentStore`` promises, asserted alike against SQLite and MongoDB (SecantusDB).
@Suite("document store contract")
struct DocumentStoreContractTests {
    /// Dates in whole milliseconds: what every store keeps exactly (BSON dates are milliseconds).
    static func record(_ id: String, tenant: String = "acme", uri: String = "file:///a.pdf", age: Double = 0) -> DocumentRecord {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123 + age)
        return DocumentRecord(id: id, tenant: tenant, source: Document.Source(uri: uri, filename: "a.pdf", mediaType: .pdf),
                              createdAt: date, updatedAt: date)
    }

    static func chunk(_ id: String, document: String, tenant: String = "acme") -> Chunk {
        Chunk(id: id, documentId: document, tenant: tenant, ordinal: 0, text: "text of \(id) — ünïcode ﬁ \"quoted\"", headingPath: ["H", "Sub"],
              pageStart: 1, pageEnd: 2, spans: [Chunk.Span(page: 1, start: 0, end: 10), Chunk.Span(page: 2, start: 0, end: 4)],
              boxes: [Box(page: 1, x0: 86.5198974609375, y0: 68.33113056, x1: 105.0390625, y1: 76.45467084)], tokenCount: 3)
    }

    @Test("records round-trip, list newest first, and stay within their tenant", arguments: StoreBackend.allCases)
    func records(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        for (index, id) in ["d1", "d2", "d3"].enumerated() { try await store.save(Self.record(id, age: Double(index))) }
        try await store.save(Self.record("d9", tenant: "globex"))
        var updated = Self.record("d2", age: 1)
        updated.status = .indexed
        updated.chunks = 4
        updated.title = "Tides"
        updated.metadata = ["lang": "en", "a.b": "dotted", "$where": "dollar"]
        try await store.save(updated)
        #expect(try await store.record("d2", tenant: "acme") == updated)
        #expect(try await store.record("d9", tenant: "acme") == nil)
        #expect(try await store.records(tenant: "acme", limit: 2, offset: 0).map(\.id) == ["d3", "d2"])
        #expect(try await store.records(tenant: "acme", limit: 2, offset: 2).map(\.id) == ["d1"])
        #expect(try await store.records(tenant: "globex", limit: 10, offset: 0).map(\.id) == ["d9"])
        #expect(try await store.records(source: "file:///a.pdf", tenant: "acme").count == 3)
        #expect(try await store.records(source: "file:///b.pdf", tenant: "acme").isEmpty)
        // Labels: title and source, of the tenant's documents only, none for unknown ids.
        var quoted = Self.record("d4", uri: "file:///c%20d.pdf")
        quoted.title = "Tides — \"quoted\" ünïcode"
        try await store.save(quoted)
        let labels = try await store.labels(["d2", "d1", "d4", "d9", "missing"], tenant: "acme").sorted { $0.id < $1.id }
        #expect(labels == [DocumentLabel(id: "d1", title: nil, source: "file:///a.pdf"), DocumentLabel(id: "d2", title: "Tides", source: "file:///a.pdf"),
                           DocumentLabel(id: "d4", title: "Tides — \"quoted\" ünïcode", source: "file:///c%20d.pdf")])
        #expect(try await store.labels([], tenant: "acme").isEmpty)
        // Progress: status, error, counts and last update as the whole records hold them, of the
        // tenant's documents only, none for unknown ids.
        var failed = Self.record("d5")
        failed.status = .failed
        failed.error = "the PDF is encrypted — \"quoted\""
        failed.updatedAt = Date(timeIntervalSince1970: 1_800_000_123.456)
        try await store.save(failed)
        let ids = ["d2", "d1", "d5", "d9", "missing"]
        let progress = try await store.progress(ids, tenant: "acme").sorted { $0.id < $1.id }
        let expected = try await store.records(ids, tenant: "acme").map(DocumentProgress.init).sorted { $0.id < $1.id }
        #expect(progress.map(\.id) == ["d1", "d2", "d5"])
        #expect(progress.map(\.id) == expected.map(\.id))
        for (found, whole) in zip(progress, expected) {
            #expect(found.status == whole.status && found.error == whole.error && found.pages == whole.pages && found.chunks == whole.chunks)
            #expect(abs(found.updatedAt.timeIntervalSince(whole.updatedAt)) < 0.001, "\(found.id): \(found.updatedAt) against \(whole.updatedAt)")
        }
        #expect(progress.first { $0.id == "d2" }?.status == .indexed)
        #expect(progress.first { $0.id == "d2" }?.chunks == 4)
        #expect(try await store.progress([], tenant: "acme").isEmpty)
    }

    @Test("update replaces an existing record and never brings back a deleted one", arguments: StoreBackend.allCases)
    func update(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        var record = Self.record("d1")
        #expect(try await store.update(record) == false)
        #expect(try await store.record("d1", tenant: "acme") == nil)
        try await store.save(record)
        record.status = .embedding
        record.chunksIndexed = 7
        #expect(try await store.update(record))
        #expect(try await store.record("d1", tenant: "acme") == record)
        try await store.delete("d1", tenant: "acme")
        #expect(try await store.update(record) == false)
        #expect(try await store.record("d1", tenant: "acme") == nil)
        #expect(try await store.update(Self.record("d1", tenant: "globex")) == false)
    }

    @Test("chunks are replaced per document; delete removes record, chunks and bytes", arguments: StoreBackend.allCases)
    func chunksAndBytes(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        try await store.save(Self.record("d1"))
        try await store.saveChunks([Self.chunk("c1", document: "d1"), Self.chunk("c2", document: "d1")], document: "d1", tenant: "acme")
        try await store.saveChunks([Self.chunk("c3", document: "d1")], document: "d1", tenant: "acme")
        try await store.saveChunks([Self.chunk("c3", document: "d1", tenant: "globex")], document: "d1", tenant: "globex")
        #expect(try await store.chunks(["c1", "c3"], tenant: "acme").map(\.id) == ["c3"])
        #expect(try await store.chunks(["c3"], tenant: "acme").first == Self.chunk("c3", document: "d1"))
        #expect(try await store.chunks(["c3"], tenant: "nobody").isEmpty)
        try await store.saveBytes(Data("%PDF-1.4".utf8), document: "d1", tenant: "acme")
        try await store.saveBytes(Data("%PDF-1.7".utf8), document: "d1", tenant: "acme")  // replaces
        #expect(try await store.bytes(document: "d1", tenant: "acme") == Data("%PDF-1.7".utf8))
        #expect(try await store.bytes(document: "d1", tenant: "globex") == nil)
        try await store.delete("d1", tenant: "acme")
        #expect(try await store.record("d1", tenant: "acme") == nil)
        #expect(try await store.chunks(["c3"], tenant: "acme").isEmpty)
        #expect(try await store.chunks(["c3"], tenant: "globex").count == 1)  // the other tenant's document is untouched
        #expect(try await store.bytes(document: "d1", tenant: "acme") == nil)
    }

    @Test("original files of several megabytes come back byte for byte", arguments: StoreBackend.allCases)
    func largeBytes(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        var generator = SeededGenerator(seed: 7)
        let data = Data((0..<(5 * 1_048_576 + 12_345)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try await store.saveBytes(data, document: "big", tenant: "acme")
        #expect(try await store.bytes(document: "big", tenant: "acme") == data)
        try await store.saveBytes(Data(), document: "empty", tenant: "acme")
        #expect(try await store.bytes(document: "empty", tenant: "acme") == Data())
    }
}
