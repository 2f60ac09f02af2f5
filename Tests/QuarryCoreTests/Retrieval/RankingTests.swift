import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

@Suite("BM25, fusion and metrics")
struct RankingTests {
    static let corpus = [
        "the cat sat on the mat",
        "dogs and cats living together",
        "a dog chased a cat and another cat",
        "quantum chromodynamics of quarks",
    ]

    static func index(_ parameters: BM25Parameters = BM25Parameters()) -> BM25Index {
        var index = BM25Index(parameters: parameters)
        for (entry, text) in corpus.enumerated() { index.add(entry, terms: TextAnalyzer().terms(text)) }
        return index
    }

    /// Okapi BM25 written out for one query term, in doubles.
    static func bm25(frequency: Double, length: Double, averageLength: Double, matching: Double, documents: Double,
                     k1: Double = 0.9, b: Double = 0.4) -> Double {
        let idf = log(1 + (documents - matching + 0.5) / (matching + 0.5))
        return idf * frequency * (k1 + 1) / (frequency + k1 * (1 - b + b * length / averageLength))
    }

    @Test("scores follow the BM25 formula and rank by it")
    func scores() {
        let index = Self.index()
        // Terms per entry after analysis: [cat, sat, mat], [dog, cat, live, togeth], [dog, chase, cat, anoth, cat], [quantum, chromodynam, quark].
        let average = (3.0 + 4 + 5 + 3) / 4
        let hits = index.search(["cat"], limit: 10)
        #expect(hits.map(\.entry) == [2, 0, 1])
        let expected = [
            2: Self.bm25(frequency: 2, length: 5, averageLength: average, matching: 3, documents: 4),
            0: Self.bm25(frequency: 1, length: 3, averageLength: average, matching: 3, documents: 4),
            1: Self.bm25(frequency: 1, length: 4, averageLength: average, matching: 3, documents: 4),
        ]
        for hit in hits { #expect(abs(Double(hit.score) - expected[hit.entry]!) < 1e-5) }
        #expect(index.search(["quark"], limit: 10).map(\.entry) == [3])
        #expect(index.search(["unicorn"], limit: 10).isEmpty)
        #expect(index.search(["cat"], limit: 1).map(\.entry) == [2])
        #expect(index.search(["cat"], limit: 0).isEmpty)
    }

    /// Many entries (most not matching, scattered matches, removals, a filter, equal texts):
    /// whatever the heap saw first, the best entries are the formula's, equal scores by entry.
    @Test("on a larger index the best entries are the formula's, equal scores in entry order", arguments: [1, 10, 100])
    func scoresAtScale(limit: Int) {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(seed >> 33) % bound
        }
        let vocabulary = (0..<40).map { "t\($0)" }
        var index = BM25Index()
        var added: [[String]] = []
        for entry in 0..<3_001 {
            // Every 7th entry repeats the terms of the one 6 before: equal scores.
            let terms = entry % 7 == 6 ? added[entry - 6] : (0..<(1 + next(30))).map { _ in vocabulary[next(entry % 3 == 0 ? 40 : 8)] }
            added.append(terms)
            index.add(entry, terms: terms)
        }
        let removed = Set(stride(from: 5, to: 3_001, by: 11))
        for entry in removed { index.remove(entry) }
        // Removal is lazy: removed entries still count in document frequencies, not in lengths.
        let live = added.indices.filter { !removed.contains($0) }
        let average = Double(live.reduce(0) { $0 + added[$1].count }) / Double(live.count)
        let allowed = { (entry: Int) in entry % 4 != 1 }
        for query in [["t1"], ["t9", "t30"], ["t2", "t2", "t35"], ["t39"]] {
            let matching = Dictionary(uniqueKeysWithValues: Set(query).map { term in (term, Double(added.count(where: { $0.contains(term) }))) })
            var expected: [Int: Double] = [:]
            for entry in live where allowed(entry) {
                var score = 0.0
                for term in Set(query) {
                    let frequency = Double(added[entry].count(where: { $0 == term }))
                    guard frequency > 0 else { continue }
                    score += Double(query.count(where: { $0 == term }))
                        * Self.bm25(frequency: frequency, length: Double(added[entry].count), averageLength: average, matching: matching[term]!,
                                    documents: Double(live.count))
                }
                if score > 0 { expected[entry] = score }
            }
            let hits = index.search(query, limit: limit, allowed: allowed)
            #expect(hits.count == min(limit, expected.count), "\(query)")
            for hit in hits { #expect(abs(Double(hit.score) - (expected[hit.entry] ?? -1)) < 1e-4 * Double(hit.score), "\(query): entry \(hit.entry)") }
            for (earlier, later) in zip(hits, hits.dropFirst()) {
                #expect(earlier.score > later.score || (earlier.score == later.score && earlier.entry < later.entry), "\(query)")
            }
            // Nothing clearly better was left out.
            let bar = Double(hits.last?.score ?? 0) * (1 + 1e-4)
            let found = Set(hits.map(\.entry))
            #expect(expected.filter { $0.value > bar && !found.contains($0.key) }.isEmpty, "\(query)")
            #expect(limit < 10 || hits.contains { hit in added.count(where: { $0 == added[hit.entry] }) > 1 }, "\(query): no equal texts among the hits")
        }
    }

    @Test("filters, removal and replacement")
    func updates() {
        var index = Self.index()
        #expect(index.search(["cat"], limit: 10, allowed: { $0 != 2 }).map(\.entry) == [0, 1])
        index.remove(2)
        #expect(index.count == 3)
        #expect(index.search(["cat"], limit: 10).map(\.entry) == [0, 1])
        #expect(index.search(["chase"], limit: 10).isEmpty)
        index.add(4, terms: TextAnalyzer().terms("cats chasing cats"))
        #expect(index.search(["cat"], limit: 10).first?.entry == 4)
        // Compaction drops the removed entry's postings and changes no live result.
        let before = index.search(["cat", "dog"], limit: 10)
        index.compact()
        #expect(index.search(["cat", "dog"], limit: 10).map(\.entry) == before.map(\.entry))
        index.remove(0)
        index.remove(1)
        index.remove(3)  // removed entries now outnumber live ones: compacted by itself
        #expect(index.search(["cat", "dog", "quark"], limit: 10).map(\.entry) == [4])
    }

    @Test("reciprocal rank fusion adds 1/(k + rank) across lists")
    func reciprocalRank() {
        let dense: [(key: String, score: Double)] = [("a", 0.9), ("b", 0.8), ("c", 0.1)]
        let sparse: [(key: String, score: Double)] = [("c", 12), ("a", 3)]
        let fused = Fusion.reciprocalRank(k: 60).fuse([dense, sparse])
        #expect(fused.map(\.key) == ["a", "c", "b"])
        #expect(abs(fused[0].score - (1.0 / 61 + 1.0 / 62)) < 1e-12)
        #expect(abs(fused[1].score - (1.0 / 63 + 1.0 / 61)) < 1e-12)
        #expect(abs(fused[2].score - 1.0 / 62) < 1e-12)
    }

    @Test("weighted fusion normalises each list to [0, 1]")
    func weighted() {
        let dense: [(key: String, score: Double)] = [("a", 0.9), ("b", 0.5), ("c", 0.1)]
        let sparse: [(key: String, score: Double)] = [("c", 12), ("b", 2)]
        // Normalised: dense a 1, b 0.5, c 0; sparse c 1, b 0. a and c tie at 0.5: first seen first.
        let fused = Fusion.weighted([0.5, 0.5]).fuse([dense, sparse])
        #expect(fused.map(\.key) == ["a", "c", "b"])
        #expect(abs(fused[0].score - 0.5) < 1e-12 && abs(fused[1].score - 0.5) < 1e-12)
        #expect(abs(fused[2].score - 0.25) < 1e-12)
        #expect(Fusion.weighted([0.2, 0.8]).fuse([dense, sparse]).map(\.key) == ["c", "a", "b"])
    }

    @Test("metrics on a hand-worked example")
    func handWorked() {
        let qrels: RetrievalMetrics.Qrels = ["q": ["d1": 2, "d3": 1, "d9": 1]]
        let run: RetrievalMetrics.Run = ["q": ["d1": 0.5, "d2": 0.9, "d3": 0.4]]
        let summary = RetrievalMetrics.evaluate(run, qrels)
        // Ranking d2, d1, d3. DCG = 2/log2(3) + 1/log2(4); ideal = 2/log2(2) + 1/log2(3) + 1/log2(4).
        let dcg = 2 / log2(3.0) + 1 / log2(4.0)
        let ideal = 2.0 + 1 / log2(3.0) + 1 / log2(4.0)
        #expect(abs(summary.ndcgAt10 - dcg / ideal) < 1e-12)
        #expect(abs(summary.recallAt100 - 2.0 / 3) < 1e-12)
        #expect(abs(summary.mrrAt10 - 0.5) < 1e-12)
        #expect(abs(summary.map - (1.0 / 2 + 2.0 / 3) / 3) < 1e-12)
        #expect(RetrievalMetrics.ranked(["b": 1, "a": 1, "c": 2]) == ["c", "b", "a"], "ties go to the higher id, as trec_eval")
    }

    /// A random run with many tied scores, written as a TREC run file, against pytrec_eval.
    @Test("metrics equal trec_eval's (pytrec_eval) to 1e-6")
    func trecEval() throws {
        var generator = SeededGenerator(seed: 42)
        var qrels: RetrievalMetrics.Qrels = [:]
        var ranking: RetrievalMetrics.Run = [:]
        for query in 0..<60 {
            let id = "q\(query)"
            for document in 0..<40 where generator.next() % 5 == 0 { qrels[id, default: [:]]["d\(document)"] = Int(generator.next() % 3) }
            if qrels[id]?.values.contains(where: { $0 > 0 }) != true { qrels[id, default: [:]]["d\(query % 40)"] = 1 }
            for document in 0..<Int(generator.next() % 150) {
                ranking[id, default: [:]]["d\(document)"] = Double(generator.next() % 20) / 4  // many ties
            }
            if ranking[id] == nil { ranking[id] = ["d0": 1] }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let qrelsFile = directory.appendingPathComponent("qrels.txt"), runFile = directory.appendingPathComponent("run.txt")
        try qrels.flatMap { query, judged in judged.map { "\(query) 0 \($0.key) \($0.value)\n" } }.joined()
            .write(to: qrelsFile, atomically: true, encoding: .utf8)
        try TrecRun.format(ranking, tag: "quarry").write(to: runFile, atomically: true, encoding: .utf8)

        let ours = RetrievalMetrics.evaluate(ranking, qrels)
        let output = try run(Venv.python, [Self.peer, qrelsFile.path, runFile.path])
        let theirs = try JSONDecoder().decode(RetrievalMetrics.Summary.self, from: Data(output.utf8))
        #expect(theirs.queries == ours.queries)
        #expect(abs(ours.ndcgAt10 - theirs.ndcgAt10) < 1e-6, "nDCG@10 \(ours.ndcgAt10) vs \(theirs.ndcgAt10)")
        #expect(abs(ours.recallAt100 - theirs.recallAt100) < 1e-6, "Recall@100 \(ours.recallAt100) vs \(theirs.recallAt100)")
        #expect(abs(ours.mrrAt10 - theirs.mrrAt10) < 1e-6, "MRR@10 \(ours.mrrAt10) vs \(theirs.mrrAt10)")
        #expect(abs(ours.map - theirs.map) < 1e-6, "MAP \(ours.map) vs \(theirs.map)")
    }

    static let peer = repositoryRoot.appendingPathComponent("Tests/QuarryCoreTests/Peers/trec_eval_peer.py").path
}
