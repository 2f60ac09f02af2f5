import Foundation
import QuarryCore
import QuarryEmbedded
import Testing

/// What only the SQLite store does (files on disk); what every store does is in QuarryContractTests.
@Suite("embedded document store")
struct SQLiteDocumentStoreTests {
    static func store() throws -> SQLiteDocumentStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SQLiteDocumentStore(database: SQLiteDatabase(path: directory.path + "/quarry.sqlite"), files: directory.appendingPathComponent("files"))
    }

    @Test("a tenant name never becomes a path")
    func hostileTenant() async throws {
        let store = try Self.store()
        try await store.saveBytes(Data("x".utf8), document: "../../etc", tenant: "../..")
        #expect(try await store.bytes(document: "../../etc", tenant: "../..") == Data("x".utf8))
    }

    @Test("an index job's dates read back exactly, to the last bit, as the clock gave them")
    func exactDates() async throws {
        let store = try Self.store()
        var generator = SystemRandomNumberGenerator()
        for n in 0..<200 {
            let created = Date(timeIntervalSinceReferenceDate: Double.random(in: 7e8...9e8, using: &generator))
            let job = IndexJob(id: "j\(n)", tenant: "acme", items: [], createdAt: created, startedAt: created.addingTimeInterval(0.123456789),
                               canceledAt: created.addingTimeInterval(1e-6))
            try await store.createIndexJob(job)
            #expect(try await store.indexJob(job.id, tenant: "acme") == job)
        }
    }
}
