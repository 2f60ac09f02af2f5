import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryTestSupport
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

    /// Statements are prepared once and reused: a reused one must start from clean bindings after
    /// an error, and more distinct statements than are kept must still all run.
    @Test("reused SQLite statements: a failed run leaves none half-done, and past the cache's bound every statement still runs")
    func reusedStatements() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("statements-\(UUID().uuidString).sqlite").path
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
        let insert = "INSERT INTO t (id, value) VALUES (?, ?)"
        try database.query(insert, [.integer(1), .text("one")])
        #expect(throws: SQLiteDatabase.SQLiteError.self) { try database.query(insert, [.integer(1), .text("again")]) }
        #expect(throws: SQLiteDatabase.SQLiteError.self) { try database.query(insert, [.integer(2), .null]) }
        try database.query(insert, [.integer(2), .text("two")])
        #expect(try database.query("SELECT id, value FROM t ORDER BY id") == [[.integer(1), .text("one")], [.integer(2), .text("two")]])
        // A transaction rolled back after a failed statement, then the same statements committed.
        #expect(throws: SQLiteDatabase.SQLiteError.self) {
            try database.transaction { transaction in
                try transaction.query(insert, [.integer(3), .text("three")])
                try transaction.query(insert, [.integer(3), .text("three again")])
            }
        }
        _ = try database.transaction { try $0.query(insert, [.integer(3), .text("three")]) }
        #expect(try database.query("SELECT count(*) FROM t") == [[.integer(3)]])
        for round in 0..<2 {
            for n in 0..<150 {
                #expect(try database.query("SELECT ? + \(n)", [.integer(Int64(round))]) == [[.integer(Int64(round + n))]])
            }
        }
    }

    @Test("a run stored before node states had rows of their own is split into them when the store opens, and goes on from there")
    func runOfOldFormat() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: directory.path + "/quarry.sqlite")
        _ = try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files"))
        let workflow = Workflow(id: "w", tenant: "acme", name: "w", nodes: [.init(id: "a", type: "noop"), .init(id: "b", type: "noop")],
                                edges: [.init(from: "a", to: "b")])
        var run = Run(id: "old", workflow: workflow)
        run.start(workflow)
        run.complete("a", in: workflow, output: .string("kept"))
        // As an older Quarry wrote it: every node inside the run's JSON, no count of open nodes.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        guard case .object(var fields) = try JSONDecoder().decode(JSONValue.self, from: encoder.encode(run)) else { throw CancellationError() }
        fields["openNodes"] = nil
        try database.query("INSERT INTO runs (tenant, id, workflow_id, revision, created_at, run) VALUES ('acme', 'old', 'w', 2, 0, ?)",
                           [.text(String(decoding: try encoder.encode(JSONValue.object(fields)), as: UTF8.self))])

        let store = try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files"))
        let read = try #require(try await store.run("old", tenant: "acme"))
        #expect(read.nodes == run.nodes && read.openNodes == 1 && read.status == .running)
        #expect(try await store.modifyRun("old", tenant: "acme") { $0.complete("b", in: workflow) } == [])
        #expect(try await store.run("old", tenant: "acme")?.status == .succeeded)
        _ = try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files"))
        #expect(try await store.run("old", tenant: "acme")?.nodes["a"]?.output == .string("kept"), "opening again changes nothing")
    }
}
