import Foundation
import QuarryEmbedded
import Testing

@Suite("SQLite: reads beside the writer, writes committed in groups")
struct SQLiteDatabaseTests {
    struct Refused: Error {}

    static func database() throws -> SQLiteDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try SQLiteDatabase(path: folder.appendingPathComponent("test.sqlite").path)
        try database.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
        return database
    }

    @Test("many writes at once: each commits, or, when it throws, is undone alone while the rest commit; what they return comes back")
    func groupedWrites() async throws {
        let database = try Self.database()
        let results = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        let value = try await database.write { transaction in
                            try transaction.query("INSERT INTO counters (name, value) VALUES (?, ?)", [.text("c\(index)"), .integer(Int64(index))])
                            // Every seventh has written before it throws: its row must not stay.
                            if index % 7 == 0 { throw Refused() }
                            return index * 2
                        }
                        return (index, .success(value))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var all: [Int: Result<Int, any Error>] = [:]
            for await (index, result) in group { all[index] = result }
            return all
        }
        for index in 0..<200 {
            switch results[index] {
            case .success(let value)?: #expect(index % 7 != 0 && value == index * 2)
            case .failure(let error)?: #expect(index % 7 == 0 && error is Refused, "\(error)")
            case nil: Issue.record("no result for \(index)")
            }
        }
        let names = Set(try database.query("SELECT name FROM counters").compactMap { $0.first?.text })
        #expect(names == Set((0..<200).filter { $0 % 7 != 0 }.map { "c\($0)" }))
    }

    @Test("a statement that only reads sees every commit before it; one that writes goes to the writer; a snapshot read is one moment")
    func reads() async throws {
        let database = try Self.database()
        try database.query("INSERT INTO counters (name, value) VALUES ('a', 1)")
        #expect(try database.query("SELECT value FROM counters WHERE name = 'a'") == [[.integer(1)]])
        try await database.write { transaction in try transaction.query("UPDATE counters SET value = 2 WHERE name = 'a'") }
        #expect(try database.query("SELECT value FROM counters WHERE name = 'a'") == [[.integer(2)]], "a write's commit is seen at once")
        let (before, after) = try database.read { transaction in
            let before = try transaction.query("SELECT value FROM counters WHERE name = 'a'")
            try database.execute("UPDATE counters SET value = 3 WHERE name = 'a'")  // committed meanwhile, on the writer
            return (before, try transaction.query("SELECT value FROM counters WHERE name = 'a'"))
        }
        #expect(before == [[.integer(2)]] && after == before, "the snapshot does not move")
        #expect(try database.query("SELECT value FROM counters WHERE name = 'a'") == [[.integer(3)]])
    }
}
