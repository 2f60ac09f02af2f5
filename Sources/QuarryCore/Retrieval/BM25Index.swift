import Foundation

/// BM25's two free parameters. The defaults are Anserini's for its BEIR baselines (k1 0.9, b 0.4):
/// chosen on MS MARCO and used unchanged across collections, not tuned per data set.
public struct BM25Parameters: Sendable, Equatable, Codable {
    public var k1: Float
    public var b: Float

    public init(k1: Float = 0.9, b: Float = 0.4) {
        self.k1 = k1
        self.b = b
    }
}

/// An in-memory inverted index scored with Okapi BM25 (Lucene's idf, `log(1 + (N − n + ½)/(n + ½))`).
/// Entries are numbered by the caller (dense from 0) and never reused. Removal is lazy, as in
/// Lucene: a removed entry stops matching at once and leaves the length statistics, but its
/// postings (and so document frequencies) stay until `compact()`, which runs by itself once
/// removed entries outnumber live ones.
public struct BM25Index: Sendable {
    public struct Posting: Sendable, Equatable {
        public var entry: Int32
        public var frequency: Int32
    }

    public private(set) var parameters: BM25Parameters
    private(set) var postings: [String: [Posting]] = [:]
    /// Term count of each entry; -1 for a never-added slot, -2 for a removed one whose postings remain.
    private(set) var lengths: [Int32] = []
    /// The most terms an entry ever had (not lowered by removals): the length table's size.
    private(set) var longest: Int32 = 0
    private(set) var liveCount = 0
    private(set) var totalLength = 0
    private(set) var removedEntries = 0

    public init(parameters: BM25Parameters = BM25Parameters()) {
        self.parameters = parameters
    }

    public var count: Int { liveCount }

    /// Indexes `terms` as entry `entry`, a number not used before.
    public mutating func add(_ entry: Int, terms: [String]) {
        precondition(entry >= lengths.count, "entry \(entry) was used before")
        if lengths.count <= entry { lengths.append(contentsOf: repeatElement(-1, count: entry + 1 - lengths.count)) }
        var frequencies: [String: Int32] = [:]
        for term in terms { frequencies[term, default: 0] += 1 }
        for (term, frequency) in frequencies {
            postings[term, default: []].append(Posting(entry: Int32(entry), frequency: frequency))
        }
        lengths[entry] = Int32(terms.count)
        longest = max(longest, Int32(terms.count))
        liveCount += 1
        totalLength += terms.count
    }

    /// Removes entry `entry`; its postings go at the next compaction.
    public mutating func remove(_ entry: Int) {
        guard entry < lengths.count, lengths[entry] >= 0 else { return }
        totalLength -= Int(lengths[entry])
        lengths[entry] = -2  // removed, postings still present
        liveCount -= 1
        removedEntries += 1
        if removedEntries > liveCount { compact() }
    }

    /// Drops the postings of removed entries.
    public mutating func compact() {
        for term in Array(postings.keys) {
            let kept = postings[term]!.filter { lengths[Int($0.entry)] >= 0 }
            postings[term] = kept.isEmpty ? nil : kept
        }
        for index in lengths.indices where lengths[index] == -2 { lengths[index] = -1 }
        removedEntries = 0
    }

    /// Renumbers the entries as their owner compacted its rows: entry `e` becomes
    /// `renumbered[e]`, or is dropped with its postings when that is negative. Numbers must keep
    /// their order (postings stay sorted by entry).
    public mutating func renumber(_ renumbered: [Int32]) {
        for term in Array(postings.keys) {
            let kept = postings[term]!.compactMap { posting -> Posting? in
                let entry = Int(posting.entry)
                guard entry < renumbered.count, renumbered[entry] >= 0, lengths[entry] >= 0 else { return nil }
                return Posting(entry: renumbered[entry], frequency: posting.frequency)
            }
            postings[term] = kept.isEmpty ? nil : kept
        }
        var kept = [Int32](repeating: -1, count: (renumbered.max().map { Int($0) } ?? -1) + 1)
        for (entry, number) in renumbered.enumerated() where number >= 0 && entry < lengths.count { kept[Int(number)] = lengths[entry] }
        lengths = kept
        removedEntries = 0
    }

    /// Lengths up to this have their normalisation tabulated per query; longer ones (none in
    /// practice: chunks are at most a few hundred terms) compute it per posting.
    static let tabulatedLengths: Int32 = 1 << 16

    /// The `limit` best entries for the query terms (repeats weigh more), best first, among those
    /// `allowed` accepts; entries matching no term are not returned.
    public func search(_ terms: [String], limit: Int, allowed: ((Int) -> Bool)? = nil) -> [ScoredEntry] {
        guard limit > 0, liveCount > 0 else { return [] }
        var queryFrequencies: [String: Float] = [:]
        for term in terms { queryFrequencies[term, default: 0] += 1 }
        let documents = Float(liveCount)
        let averageLength = Float(totalLength) / documents
        let k1 = parameters.k1, b = parameters.b
        func norm(_ length: Int32) -> Float { k1 * (1 - b + b * Float(length) / averageLength) }
        // The length normalisation depends on an entry's length alone: computed once per length up
        // to the longest entry's (a few hundred values, not one per entry or per posting: a
        // query's terms have about 90,000 postings in a 100k-chunk index) and looked up.
        let norms = (0...min(longest, Self.tabulatedLengths)).map(norm)
        var scores = [Float](repeating: 0, count: lengths.count)
        // Raw buffers in the loop: a posting list can be most of the index long.
        lengths.withUnsafeBufferPointer { lengths in
            norms.withUnsafeBufferPointer { norms in
                scores.withUnsafeMutableBufferPointer { scores in
                    for (term, queryFrequency) in queryFrequencies {
                        guard let list = postings[term] else { continue }
                        let matching = Float(list.count)
                        let idf = logf(1 + (documents - matching + 0.5) / (matching + 0.5))
                        let weight = idf * queryFrequency * (k1 + 1)
                        list.withUnsafeBufferPointer { list in
                            for posting in list {
                                let index = Int(posting.entry), length = lengths[index]
                                guard length >= 0 else { continue }  // removed: its postings stay until compaction
                                let frequency = Float(posting.frequency)
                                scores[index] += weight * frequency / (frequency + (Int(length) < norms.count ? norms[Int(length)] : norm(length)))
                            }
                        }
                    }
                }
            }
        }
        // One pass over all scores in entry order (the heap's ties go to the lower entry whatever
        // the order of insertion). A matched live entry scores other than zero, a removed one
        // exactly zero. The heap's bar is tested first: once the heap is full it fails for nearly
        // every entry, a branch the CPU predicts; testing for zero first mispredicted on half.
        var best = TopK(limit)
        var entering = best.entering  // kept in a register: the heap changes only on insert
        scores.withUnsafeBufferPointer { scores in
            for index in scores.indices where scores[index] >= entering && scores[index] != 0 {
                if let allowed, !allowed(index) { continue }
                best.insert(ScoredEntry(entry: index, score: scores[index]))
                entering = best.entering
            }
        }
        return best.sorted()
    }
}

/// An entry of an index with its score.
public struct ScoredEntry: Sendable, Equatable {
    public var entry: Int
    public var score: Float

    public init(entry: Int, score: Float) {
        self.entry = entry
        self.score = score
    }
}

/// The `limit` highest-scoring entries seen, kept in a min-heap; ties go to the lower entry.
public struct TopK {
    let limit: Int
    private var heap: [ScoredEntry] = []

    public init(_ limit: Int) {
        self.limit = limit
        heap.reserveCapacity(min(limit, 1024))
    }

    /// Whether `a` ranks below `b`.
    static func below(_ a: ScoredEntry, _ b: ScoredEntry) -> Bool {
        a.score < b.score || (a.score == b.score && a.entry > b.entry)
    }

    /// Whether an entry scoring `score` could enter: a cheap test before building one.
    @inline(__always)
    public func admits(_ score: Float) -> Bool {
        score >= entering
    }

    /// The lowest score that could enter: -infinity until `limit` entries are kept, then the
    /// lowest kept (an equal score enters if its entry is lower).
    public var entering: Float {
        heap.count < limit ? -.infinity : heap[0].score
    }

    public mutating func insert(_ item: ScoredEntry) {
        if heap.count < limit {
            heap.append(item)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.below(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if Self.below(heap[0], item) {
            heap[0] = item
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var lowest = parent
                if left < heap.count && Self.below(heap[left], heap[lowest]) { lowest = left }
                if right < heap.count && Self.below(heap[right], heap[lowest]) { lowest = right }
                guard lowest != parent else { break }
                heap.swapAt(parent, lowest)
                parent = lowest
            }
        }
    }

    /// The entries kept, best first.
    public func sorted() -> [ScoredEntry] { heap.sorted { Self.below($1, $0) } }
}
