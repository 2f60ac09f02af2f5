import Foundation
import QuarryEmbedded
import QuarryTestSupport
import Testing

/// `quarry index` and `quarry ask` against a data directory, as a user runs them.
@Suite("quarry index and ask")
struct IndexCommandTests {
    static func temporary(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Rows of a query on the data directory's database, read by Python's sqlite3 (an independent reader).
    static func sql(_ data: URL, _ query: String) throws -> [[String]] {
        let script = "import sqlite3, sys, json; print(json.dumps([[str(v) for v in r] for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2])]))"
        let output = try run(Venv.python, ["-c", script, data.appendingPathComponent("quarry.sqlite").path, query])
        return try JSONDecoder().decode([[String]].self, from: Data(output.utf8))
    }

    /// Index points written so far, 0 while the database or its table does not exist yet.
    static func points(_ data: URL) -> Int {
        let path = data.appendingPathComponent("quarry.sqlite").path
        guard FileManager.default.fileExists(atPath: path), let database = try? SQLiteDatabase(path: path),
              let rows = try? database.query("SELECT count(*) FROM index_points") else { return 0 }
        return Int(rows.first?.first?.integer ?? 0)
    }

    @Test("a folder indexes; unreadable files are listed with reasons; identical bytes are skipped; ask cites")
    func indexAndAsk() throws {
        let data = try Self.temporary("data"), documents = try Self.temporary("docs")
        defer { for url in [data, documents] { try? FileManager.default.removeItem(at: url) } }
        for name in ["pdf/multicolumn.pdf", "pdf/c02-22.pdf", "html/python-tutorial-appendix.html"] {
            try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("corpora/" + name),
                                             to: documents.appendingPathComponent((name as NSString).lastPathComponent))
        }
        try "The lighthouse keeper logs every passing ship in a leather-bound ledger.".write(
            to: documents.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try "ignored".write(to: documents.appendingPathComponent("image.png"), atomically: true, encoding: .utf8)
        let environment = ["QUARRY_DATA": data.path]

        let first = try QuarryBinary.run(["index", documents.path], environment: environment)
        #expect(first.status == 1, "the scan cannot be indexed: \(first.standardError)")
        #expect(first.standardOutput.contains("indexed 3, unchanged 0, failed 1"))
        #expect(first.standardOutput.contains("c02-22.pdf: no page has a text layer"))

        let again = try QuarryBinary.run(["index", documents.path], environment: environment)
        #expect(again.standardOutput.contains("indexed 0, unchanged 4, failed 0"), "\(again.standardOutput)")

        let answer = try QuarryBinary.run(["ask", "--json", "who logs the passing ships?"], environment: environment)
        #expect(answer.status == 0, "\(answer.standardError)")
        let response = try #require(try JSONSerialization.jsonObject(with: Data(answer.standardOutput.utf8)) as? [String: Any])
        let text = try #require((response["answer"] as? [String: Any])?["text"] as? String)
        #expect(text.contains("lighthouse keeper logs every passing ship") && text.contains("[1]"))
        let citation = try #require((response["citations"] as? [[String: Any]])?.first)
        #expect((citation["source"] as? String)?.hasSuffix("notes.txt") == true)
        #expect(citation["page"] as? Int == 1 && citation["char_start"] as? Int == 0)
        #expect((citation["snippet"] as? String)?.contains("<mark>passing</mark>") == true)
        #expect(response["timings"] is [String: Any])

        let nothing = try QuarryBinary.run(["ask", "--json", "--mode", "sparse", "zyzzyva quokka"], environment: environment)
        let empty = try #require(try JSONSerialization.jsonObject(with: Data(nothing.standardOutput.utf8)) as? [String: Any])
        #expect((empty["answer"] as? [String: Any])?["found"] as? Bool == false)

        let refused = try QuarryBinary.run(["ask", "   "], environment: environment)
        #expect(refused.status != 0 && refused.standardError.contains("query is empty"))
    }

    @Test("ask --answer llm prints the model's answer as it streams from llama-server, then the citations")
    func askWithLLM() throws {
        let data = try Self.temporary("data"), documents = try Self.temporary("docs")
        defer { for url in [data, documents] { try? FileManager.default.removeItem(at: url) } }
        try "The lighthouse keeper logs every passing ship in a leather-bound ledger.".write(
            to: documents.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let server = try LlamaServer()
        defer { server.stop() }
        let environment = ["QUARRY_DATA": data.path, "QUARRY_LLM_URL": server.baseURL, "QUARRY_LLM_MODEL": "smollm2"]
        #expect(try QuarryBinary.run(["index", documents.path], environment: environment).status == 0)
        let answer = try QuarryBinary.run(["ask", "--answer", "llm", "Who logs the passing ships?"], environment: environment)
        #expect(answer.status == 0, "\(answer.standardError)")
        let lines = answer.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        let citationLine = try #require(lines.firstIndex { $0.hasPrefix("[1] ") }, "\(answer.standardOutput)")
        #expect(lines[..<citationLine].contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty }, "an answer comes first")
        #expect(lines[citationLine + 1].hasSuffix("notes.txt"))

        let unconfigured = try QuarryBinary.run(["ask", "--answer", "llm", "Who logs the passing ships?"], environment: ["QUARRY_DATA": data.path])
        #expect(unconfigured.status != 0 && unconfigured.standardError.contains("no llm_url configured"))
    }

    @Test("a changed file replaces its older version: old chunks leave the index")
    func newVersion() throws {
        let data = try Self.temporary("data"), documents = try Self.temporary("docs")
        defer { for url in [data, documents] { try? FileManager.default.removeItem(at: url) } }
        let file = documents.appendingPathComponent("policy.txt")
        let environment = ["QUARRY_DATA": data.path]
        try "Refunds are accepted within 14 days of purchase.".write(to: file, atomically: true, encoding: .utf8)
        #expect(try QuarryBinary.run(["index", file.path], environment: environment).status == 0)
        try "Refunds are accepted within 30 days of purchase, receipts required.".write(to: file, atomically: true, encoding: .utf8)
        #expect(try QuarryBinary.run(["index", file.path], environment: environment).status == 0)
        #expect(try Self.sql(data, "SELECT count(*) FROM documents") == [["1"]])
        #expect(try Self.sql(data, "SELECT count(*) FROM index_points") == [["1"]])
        let answer = try QuarryBinary.run(["ask", "how many days for refunds?"], environment: environment)
        #expect(answer.standardOutput.contains("30 days") && !answer.standardOutput.contains("14 days"))
    }

    @Test("index --json prints the finished job as the API's body: counts, pages, chunks, failures with reasons")
    func jsonSummary() throws {
        let data = try Self.temporary("data"), documents = try Self.temporary("docs")
        defer { for url in [data, documents] { try? FileManager.default.removeItem(at: url) } }
        try "Refunds are accepted within 14 days of purchase.".write(to: documents.appendingPathComponent("policy.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("corpora/pdf/c02-22.pdf"), to: documents.appendingPathComponent("scan.pdf"))
        let result = try QuarryBinary.run(["index", "--json", documents.path], environment: ["QUARRY_DATA": data.path])
        #expect(result.status == 1, "the scan fails, so the exit status says so: \(result.standardError)")
        struct Body: Decodable {
            struct Failure: Decodable { let source: String, reason: String }
            let status: String, total: Int, counts: [String: Int], pages: Int, chunks: Int, failures: [Failure], finished_at: String
        }
        let body = try JSONDecoder().decode(Body.self, from: Data(result.standardOutput.utf8))
        #expect(body.status == "completed" && body.total == 2)
        #expect(body.counts["indexed"] == 1 && body.counts["needs_ocr"] == 1, "\(body.counts)")
        #expect(body.chunks == 1 && body.pages >= 1)
        #expect(body.failures.count == 1 && body.failures[0].source.hasSuffix("scan.pdf") && body.failures[0].reason.contains("no page has a text layer"))
        #expect(ISO8601DateFormatter().date(from: body.finished_at) != nil, "dates as the API writes them: \(body.finished_at)")
    }

    @Test("index --server: the job runs on the server's worker and is followed to its end; refusals and a missing token are clear")
    func againstServer() async throws {
        let data = try Self.temporary("data"), root = try Self.temporary("root"), outside = try Self.temporary("outside")
        defer { for url in [data, root, outside] { try? FileManager.default.removeItem(at: url) } }
        try "The lighthouse keeper logs every passing ship in a leather-bound ledger.".write(
            to: root.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try Data().write(to: root.appendingPathComponent("empty.txt"))
        try "Elsewhere.".write(to: outside.appendingPathComponent("other.txt"), atomically: true, encoding: .utf8)
        let server = try ServeProcess(data: data.path, environment: ["QUARRY_INDEX_ROOT": root.path])
        defer { _ = server.terminate() }
        let (admin, url) = (try #require(server.firstAdminToken), server.url)

        let result = try await offPool { try QuarryBinary.run(["index", "--server", url, root.path], environment: ["QUARRY_TOKEN": admin]) }
        #expect(result.status == 1, "the empty file fails: \(result.standardOutput) \(result.standardError)")
        #expect(result.standardOutput.contains("indexed 1, unchanged 0, failed 1"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("empty.txt: the file is empty"))
        #expect(result.standardError.contains("index job ") && result.standardError.contains("2/2 done"), "\(result.standardError)")
        let answer = try server.post("/api/v1/rag/query", token: admin, body: #"{"query": "who logs the passing ships?"}"#)
        #expect(answer.body.contains("notes.txt"), "\(answer.body.prefix(300))")

        let refused = try await offPool { try QuarryBinary.run(["index", "--server", url, outside.path], environment: ["QUARRY_TOKEN": admin]) }
        #expect(refused.status != 0 && refused.standardError.contains("the server answered 403") && refused.standardError.contains("index_root"),
                "\(refused.standardError)")
        let tokenless = try QuarryBinary.run(["index", "--server", server.url, root.path])
        #expect(tokenless.status != 0 && tokenless.standardError.contains("--server needs a token"), "\(tokenless.standardError)")
    }

    @Test("kill -9 in the middle of indexing loses nothing and duplicates nothing once run again")
    func killed() async throws {
        let data = try Self.temporary("data"), documents = try Self.temporary("docs")
        defer { for url in [data, documents] { try? FileManager.default.removeItem(at: url) } }
        let count = 250  // enough that the run cannot finish before it is killed, even on a busy machine
        for n in 0..<count {
            let paragraphs = (0..<12).map { "Report \(n), section \($0): the quarterly figures for region \(n % 7) rose by \($0 + n) percent over the year." }
            try paragraphs.joined(separator: "\n\n").write(to: documents.appendingPathComponent("report-\(n).txt"), atomically: true, encoding: .utf8)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: QuarryBinary.path)
        process.arguments = ["index", documents.path]
        process.environment = QuarryBinary.environment(["QUARRY_DATA": data.path])
        let log = data.appendingPathComponent("first-run.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
        // Wait until some documents are indexed, then kill it without warning. The wait runs on a
        // thread of its own: other tests block the cooperative pool's threads with child processes.
        let pid = process.processIdentifier
        let points = try await offPool { () -> Int in
            let deadline = Date().addingTimeInterval(120)
            var points = 0
            while Date() < deadline, points <= 20 {
                Thread.sleep(forTimeInterval: 0.05)
                points = Self.points(data)
            }
            kill(pid, SIGKILL)
            return points
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal,
                "the run ended before it was killed (\(points) points): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        #expect(try Self.sql(data, "PRAGMA integrity_check") == [["ok"]])
        let before = Int(try Self.sql(data, "SELECT count(*) FROM index_points")[0][0]) ?? 0
        #expect(before > 0, "killed after some points were written: \(before)")

        let resumed = try await offPool { try QuarryBinary.run(["index", documents.path], environment: ["QUARRY_DATA": data.path]) }
        #expect(resumed.status == 0, "\(resumed.standardOutput) \(resumed.standardError)")
        #expect(resumed.standardOutput.contains("failed 0"))
        let documentsIndexed = try Self.sql(data, "SELECT count(*) FROM documents WHERE json_extract(record, '$.status') = 'indexed'")
        #expect(documentsIndexed == [["\(count)"]])
        let expected = try Self.sql(data, "SELECT sum(json_extract(record, '$.chunks')) FROM documents")[0][0]
        #expect(try Self.sql(data, "SELECT count(*) FROM index_points")[0][0] == expected, "every chunk indexed exactly once")
        #expect(try Self.sql(data, "SELECT count(*) FROM chunks")[0][0] == expected)
        #expect(try Self.sql(data, "SELECT count(*) FROM jobs") == [["0"]])
    }
}
