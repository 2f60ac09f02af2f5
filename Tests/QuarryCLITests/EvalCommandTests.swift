import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryTestSupport
import Testing

/// `quarry eval` on a small BEIR data set made here: distinct topics, one relevant passage per
/// query (two for one), a passage long enough to make several chunks.
@Suite("quarry eval")
struct EvalCommandTests {
    static let topics = [
        ("Photosynthesis", "Plants convert sunlight, water and carbon dioxide into glucose and oxygen in their chloroplasts."),
        ("Volcanoes", "Magma rises through the crust and erupts as lava, ash and volcanic gases from a vent."),
        ("Penicillin", "Alexander Fleming noticed that a mould killed bacteria; the antibiotic saved millions of lives."),
        ("Jazz", "Improvisation, swing and blue notes define the music born in New Orleans."),
        ("Glaciers", "Compacted snow turns to ice that flows slowly downhill and carves valleys."),
        ("Bitcoin", "A decentralised digital currency recorded on a public blockchain secured by proof of work."),
        ("Honeybees", "Worker bees collect nectar and pollen and communicate with a waggle dance."),
        ("Tides", "The gravitational pull of the moon and the sun raises and lowers the sea twice a day."),
        ("Vaccines", "A vaccine trains the immune system to recognise a pathogen without causing the disease."),
        ("Chess", "Two players move kings, queens, rooks, bishops, knights and pawns to checkmate the opponent."),
    ]
    static let queries = [
        ("q1", "how do plants make glucose from sunlight", ["d0"]),
        ("q2", "lava eruption from a volcano vent", ["d1"]),
        ("q3", "who discovered the antibiotic penicillin", ["d2"]),
        ("q4", "music with improvisation and swing", ["d3"]),
        ("q5", "why does the sea level rise and fall each day", ["d7"]),
        ("q6", "how does the immune system learn to fight a pathogen", ["d8", "d10"]),
    ]

    static func makeDataset() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("beir-\(UUID().uuidString)/mini")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("qrels"), withIntermediateDirectories: true)
        var corpus = topics.enumerated().map { index, topic in
            try! String(decoding: JSONSerialization.data(withJSONObject: ["_id": "d\(index)", "title": topic.0, "text": topic.1]), as: UTF8.self)
        }
        // A long passage on immunity: several chunks, one of which answers q6.
        let filler = (0..<60).map { "Paragraph \($0) recounts unrelated history of medieval trade routes and ports." }.joined(separator: " ")
        let long = filler + " Memory B cells let the immune system recognise a pathogen it has met before."
        corpus.append(try String(decoding: JSONSerialization.data(withJSONObject: ["_id": "d10", "title": "Immunity", "text": long]), as: UTF8.self))
        try corpus.joined(separator: "\n").write(to: directory.appendingPathComponent("corpus.jsonl"), atomically: true, encoding: .utf8)
        let queryLines = queries.map { try! String(decoding: JSONSerialization.data(withJSONObject: ["_id": $0.0, "text": $0.1]), as: UTF8.self) }
            + [#"{"_id": "q-unjudged", "text": "not in the qrels"}"#]
        try queryLines.joined(separator: "\n").write(to: directory.appendingPathComponent("queries.jsonl"), atomically: true, encoding: .utf8)
        let qrels = ["query-id\tcorpus-id\tscore"] + queries.flatMap { query in query.2.map { "\(query.0)\t\($0)\t1" } }
        try qrels.joined(separator: "\n").write(to: directory.appendingPathComponent("qrels/test.tsv"), atomically: true, encoding: .utf8)
        return directory
    }

    struct Metrics: Decodable, Equatable {
        let ndcg: Double, recall: Double, mrr: Double, map: Double
        enum CodingKeys: String, CodingKey { case ndcg = "ndcg@10", recall = "recall@100", mrr = "mrr@10", map }
    }

    @Test("every mode finds the relevant passages, and trec_eval agrees with the metrics on the run file", arguments: ["hybrid", "dense", "sparse"])
    func evaluate(mode: String) throws {
        let dataset = try Self.makeDataset()
        let output = dataset.deletingLastPathComponent().appendingPathComponent("results")
        defer { try? FileManager.default.removeItem(at: dataset.deletingLastPathComponent()) }
        let result = try QuarryBinary.run(["eval", "--dataset", dataset.path, "--mode", mode, "--json", "--output", output.path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let ours = try JSONDecoder().decode(Metrics.self, from: Data(result.standardOutput.utf8))
        #expect(ours.ndcg > 0.8 && ours.ndcg <= 1, "nDCG@10 \(ours.ndcg)")
        #expect(ours.recall == 1)

        let runFile = output.appendingPathComponent("mini-\(mode).trec")
        let report = try String(contentsOf: output.appendingPathComponent("mini-\(mode).md"), encoding: .utf8)
        #expect(report.contains("nDCG@10"))
        #expect(report.contains("vector store: embedded"))
        let lines = try String(contentsOf: runFile, encoding: .utf8).split(separator: "\n")
        #expect(Set(lines.map { String($0.split(separator: " ")[0]) }) == Set(Self.queries.map(\.0)), "judged queries only")
        let qrels = dataset.appendingPathComponent("qrels/trec.txt")
        try Self.queries.flatMap { query in query.2.map { "\(query.0) 0 \($0) 1\n" } }.joined().write(to: qrels, atomically: true, encoding: .utf8)
        let peer = repositoryRoot.appendingPathComponent("Tests/QuarryCoreTests/Peers/trec_eval_peer.py").path
        let theirs = try JSONDecoder().decode(Metrics.self, from: Data(try run(Venv.python, [peer, qrels.path, runFile.path]).utf8))
        #expect(abs(ours.ndcg - theirs.ndcg) < 1e-6 && abs(ours.recall - theirs.recall) < 1e-6)
        #expect(abs(ours.mrr - theirs.mrr) < 1e-6 && abs(ours.map - theirs.map) < 1e-6, "ours \(ours), trec_eval \(theirs)")

        // The record beside the report (the UI's eval page): each query's metrics as trec_eval -q has them.
        let record = try EvalRecord.decoder.decode(EvalRecord.self, from: Data(contentsOf: output.appendingPathComponent("mini-\(mode).json")))
        #expect(record.dataset == "mini" && record.mode == mode && record.metrics.queries == Self.queries.count)
        let perQuery = try JSONDecoder().decode([String: [String: Double]].self, from: Data(try run(Venv.python, [peer, qrels.path, runFile.path, "--per-query"]).utf8))
        let queries = try #require(record.queries)
        #expect(Set(queries.map(\.id)) == Set(perQuery.keys))
        for query in queries {
            let peerScores = try #require(perQuery[query.id])
            #expect(abs(query.scores.ndcgAt10 - peerScores["ndcg@10"]!) < 1e-6 && abs(query.scores.averagePrecision - peerScores["ap"]!) < 1e-6, "\(query.id)")
            #expect(abs(query.scores.recallAt100 - peerScores["recall@100"]!) < 1e-6 && abs(query.scores.mrrAt10 - peerScores["mrr@10"]!) < 1e-6, "\(query.id)")
            #expect(query.text == Self.queries.first { $0.0 == query.id }?.1)
            #expect(query.relevant == Self.queries.first { $0.0 == query.id }?.2.sorted())
            #expect(!query.top.isEmpty && query.top.count <= 10 && query.top.filter { $0.grade > 0 }.allSatisfy { query.relevant.contains($0.document) })
        }
    }

    @Test("--data keeps the index in that data directory; a second run rewrites the same points")
    func keptIndex() throws {
        let dataset = try Self.makeDataset()
        let root = dataset.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data").path
        func evaluate() throws -> (Metrics, Int) {
            let result = try QuarryBinary.run(["eval", "--dataset", dataset.path, "--data", data, "--json", "--output", root.appendingPathComponent("results").path])
            #expect(result.status == 0, "stderr: \(result.standardError)")
            let points = try SQLiteDatabase(path: data + "/quarry.sqlite").query("SELECT count(*) FROM index_points")
            return (try JSONDecoder().decode(Metrics.self, from: Data(result.standardOutput.utf8)), Int(points[0][0].integer ?? -1))
        }
        let (first, pointsAfterFirst) = try evaluate()
        let (second, pointsAfterSecond) = try evaluate()
        #expect(pointsAfterFirst >= 11, "every passage indexed in the data directory")
        #expect(pointsAfterSecond == pointsAfterFirst, "no duplicates")
        #expect(first.ndcg == second.ndcg && first.map == second.map)
    }

    @Test("several modes over one index: one JSON object keyed by mode, a run file each")
    func severalModes() throws {
        let dataset = try Self.makeDataset()
        let output = dataset.deletingLastPathComponent().appendingPathComponent("results")
        defer { try? FileManager.default.removeItem(at: dataset.deletingLastPathComponent()) }
        let result = try QuarryBinary.run(["eval", "--dataset", dataset.path, "--mode", "dense", "--mode", "sparse", "--json", "--output", output.path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let metrics = try JSONDecoder().decode([String: Metrics].self, from: Data(result.standardOutput.utf8))
        #expect(Set(metrics.keys) == ["dense", "sparse"])
        for mode in ["dense", "sparse"] { #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("mini-\(mode).trec").path)) }
    }

    @Test("a SQuAD-style folder measures answers: gold passages cited, gold answers contained, abstentions")
    func answers() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qa-\(UUID().uuidString)/tiny-qa")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let passages = [
            ["_id": "Volcano#0", "title": "Volcano", "text": "Mount Etna is the most active volcano in Europe. It stands on the east coast of Sicily."],
            ["_id": "Penicillin#0", "title": "Penicillin", "text": "Alexander Fleming discovered penicillin in 1928. It was the first true antibiotic."],
        ]
        let questions: [[String: Any]] = [
            ["id": "1", "question": "Which volcano is the most active in Europe?", "gold_passage_id": "Volcano#0", "answers": ["Mount Etna"], "is_impossible": false],
            ["id": "2", "question": "In what year did Fleming discover penicillin?", "gold_passage_id": "Penicillin#0", "answers": ["1928"], "is_impossible": false],
            ["id": "3", "question": "Who discovered the most active volcano on Mars?", "gold_passage_id": "Volcano#0", "answers": [], "is_impossible": true],
        ]
        func lines(_ rows: [[String: Any]]) throws -> String {
            try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }.joined(separator: "\n")
        }
        try lines(passages).write(to: directory.appendingPathComponent("passages.jsonl"), atomically: true, encoding: .utf8)
        try lines(questions).write(to: directory.appendingPathComponent("questions.jsonl"), atomically: true, encoding: .utf8)
        let output = directory.deletingLastPathComponent().appendingPathComponent("results")
        let result = try QuarryBinary.run(["eval", "--dataset", directory.path, "--json", "--output", output.path])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(body["answerable"] as? Int == 2 && body["unanswerable"] as? Int == 1)
        #expect(body["gold_cited"] as? Double == 1 && body["answer_contains_gold"] as? Double == 1)
        let abstained = try #require(body["abstained_unanswerable"] as? Double)
        #expect(abstained == 0 || abstained == 1)
        let report = try String(contentsOf: output.appendingPathComponent("tiny-qa-answers.md"), encoding: .utf8)
        #expect(report.contains("vector store: embedded"))
    }

    @Test("a folder that is not a BEIR data set is one line on stderr and exit 66")
    func missingDataset() throws {
        let result = try QuarryBinary.run(["eval", "--dataset", "/nonexistent/beir"])
        #expect(result.status == 66)
        #expect(result.standardError.hasPrefix("quarry eval: cannot read /nonexistent/beir/corpus.jsonl"))
    }
}
