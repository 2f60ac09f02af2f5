import CKernels
import Foundation
import QuarryCore
import Synchronization

/// The built-in index: every chunk's vector in one row-major matrix scanned exactly with BLAS
/// (`sgemv`), and a BM25 inverted index over the chunks' terms; hybrid queries fuse the two.
/// Searched in memory; with a database, every change is committed there first (one transaction
/// per call, so a crash leaves all of it or none) and the memory is rebuilt from it on start.
/// Entries are appended and removed ones skipped, never reused.
public final class EmbeddedVectorIndex: VectorIndex {
    struct Entry {
        let chunkId: String
        let tenant: String
        let documentId: String
        let metadata: [String: String]
        var live: Bool
    }

    struct State {
        var dimensions = 0
        var vectors: [Float] = []
        var entries: [Entry] = []
        /// "tenant\u{0}chunk id" → entry.
        var byChunk: [String: Int] = [:]
        /// "tenant\u{0}document id" → its live entries.
        var byDocument: [String: [Int]] = [:]
        var liveByTenant: [String: Int] = [:]
        var bm25: BM25Index
        var generation = 0

        mutating func remove(_ entry: Int) {
            guard entries[entry].live else { return }
            entries[entry].live = false
            bm25.remove(entry)
            liveByTenant[entries[entry].tenant, default: 1] -= 1
            byChunk[key(entries[entry].tenant, entries[entry].chunkId)] = nil
        }
    }

    private let state: Mutex<State>
    private let database: SQLiteDatabase?

    /// An index in memory only, or kept in `database` (the table `index_points`).
    public init(database: SQLiteDatabase? = nil, bm25: BM25Parameters = BM25Parameters()) throws {
        self.database = database
        var state = State(bm25: BM25Index(parameters: bm25))
        if let database {
            try database.execute("""
                CREATE TABLE IF NOT EXISTS index_points (
                    tenant TEXT NOT NULL, chunk_id TEXT NOT NULL, document_id TEXT NOT NULL,
                    vector BLOB NOT NULL, terms TEXT NOT NULL, metadata TEXT NOT NULL,
                    PRIMARY KEY (tenant, chunk_id));
                CREATE INDEX IF NOT EXISTS index_points_by_document ON index_points (tenant, document_id);
                """)
            let rows = try database.query("SELECT tenant, chunk_id, document_id, vector, terms, metadata FROM index_points ORDER BY rowid")
            try state.add(rows.map(Self.point(from:)))
        }
        self.state = Mutex(state)
    }

    /// How many writes the index has taken since it was opened: a cache key for results.
    public var generation: Int { state.withLock { $0.generation } }

    public func upsert(_ points: [IndexPoint]) async throws {
        try state.withLock { state in
            try state.checkDimensions(points.map(\.vector.count))
            try database?.transaction { transaction in
                for point in points {
                    try transaction.query(
                        "INSERT OR REPLACE INTO index_points (tenant, chunk_id, document_id, vector, terms, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                        [.text(point.tenant), .text(point.chunkId), .text(point.documentId), .blob(Self.bytes(point.vector)),
                         .text(point.terms.joined(separator: " ")), .text(Self.json(point.metadata))]
                    )
                }
            }
            try state.add(points)
        }
    }

    static func point(from row: [SQLiteDatabase.Value]) throws -> IndexPoint {
        guard row.count == 6, let tenant = row[0].text, let chunk = row[1].text, let document = row[2].text,
              let vector = row[3].blob, vector.count % 4 == 0, let terms = row[4].text, let metadata = row[5].text
        else { throw IndexError.corrupt("a row of index_points is malformed") }
        let floats = vector.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let facts = (try? JSONDecoder().decode([String: String].self, from: Data(metadata.utf8))) ?? [:]
        return IndexPoint(chunkId: chunk, tenant: tenant, documentId: document, vector: floats,
                          terms: terms.split(separator: " ").map(String.init), metadata: facts)
    }

    static func bytes(_ vector: [Float]) -> [UInt8] { vector.withUnsafeBytes { Array($0) } }

    static func json(_ metadata: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(metadata)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

extension EmbeddedVectorIndex.State {
    mutating func checkDimensions(_ counts: [Int]) throws {
        for count in counts {
            if dimensions == 0 { dimensions = count }
            guard count == dimensions, dimensions > 0 else { throw IndexError.dimensions(expected: dimensions, found: count) }
        }
    }

    mutating func add(_ points: [IndexPoint]) throws {
        try checkDimensions(points.map(\.vector.count))
        generation += 1
        for point in points {
            if let existing = byChunk[key(point.tenant, point.chunkId)] { remove(existing) }
            let entry = entries.count
            entries.append(EmbeddedVectorIndex.Entry(chunkId: point.chunkId, tenant: point.tenant, documentId: point.documentId,
                                                     metadata: point.metadata, live: true))
            vectors.append(contentsOf: point.vector)
            bm25.add(entry, terms: point.terms)
            byChunk[key(point.tenant, point.chunkId)] = entry
            byDocument[key(point.tenant, point.documentId), default: []].append(entry)
            liveByTenant[point.tenant, default: 0] += 1
        }
    }
}

extension EmbeddedVectorIndex {
    public func deleteDocument(_ documentId: String, tenant: String) async throws {
        try state.withLock { state in
            try database?.query("DELETE FROM index_points WHERE tenant = ? AND document_id = ?", [.text(tenant), .text(documentId)])
            state.generation += 1
            for entry in state.byDocument.removeValue(forKey: key(tenant, documentId)) ?? [] { state.remove(entry) }
        }
    }

    public func count(tenant: String) async throws -> Int {
        state.withLock { $0.liveByTenant[tenant] ?? 0 }
    }

    public func search(_ query: IndexQuery) async throws -> [IndexHit] {
        try state.withLock { state in
            guard query.limit > 0, state.dimensions > 0 else { return [] }
            let entries = state.entries  // shared storage, not a copy
            let allowed = { (entry: Int) -> Bool in
                let candidate = entries[entry]
                return candidate.live && candidate.tenant == query.tenant
                    && (query.documentIds?.contains(candidate.documentId) ?? true)
                    && query.metadata.allSatisfy { candidate.metadata[$0.key] == $0.value }
            }
            let depth = query.mode == .hybrid ? query.candidates : query.limit
            var lists: [[(key: Int, score: Double)]] = []
            if query.mode != .sparse {
                guard query.vector.count == state.dimensions else {
                    throw IndexError.dimensions(expected: state.dimensions, found: query.vector.count)
                }
                lists.append(Self.dense(state, query.vector, limit: depth, allowed: allowed).map { ($0.entry, Double($0.score)) })
            }
            if query.mode != .dense {
                lists.append(state.bm25.search(query.terms, limit: depth, allowed: allowed).map { ($0.entry, Double($0.score)) })
            }
            let ranked = lists.count == 1 ? lists[0] : query.fusion.fuse(lists)
            return ranked.prefix(query.limit).map {
                IndexHit(chunkId: state.entries[$0.key].chunkId, documentId: state.entries[$0.key].documentId, score: $0.score)
            }
        }
    }

    /// Exact inner products of every row with the (unit) query vector, best `limit` allowed kept.
    /// The scan reads the whole matrix (154 MB at 100k chunks): both cores take half each.
    static func dense(_ state: State, _ vector: [Float], limit: Int, allowed: (Int) -> Bool) -> [ScoredEntry] {
        let rows = state.entries.count
        var scores = [Float](repeating: 0, count: rows)
        let dimensions = state.dimensions
        state.vectors.withUnsafeBufferPointer { matrix in
            scores.withUnsafeMutableBufferPointer { scores in
                nonisolated(unsafe) let matrix = matrix.baseAddress!, output = scores.baseAddress!  // disjoint rows per worker
                let workers = rows >= 20_000 ? 2 : 1
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let lower = rows * worker / workers, upper = rows * (worker + 1) / workers
                    quarry_dot_rows(matrix, Int32(dimensions), lower, upper, vector, output)
                }
            }
        }
        var best = TopK(limit)
        for row in 0..<rows where allowed(row) { best.insert(ScoredEntry(entry: row, score: scores[row])) }
        return best.sorted()
    }
}

public enum IndexError: Error, CustomStringConvertible, Equatable {
    case dimensions(expected: Int, found: Int)
    case corrupt(String)

    public var description: String {
        switch self {
        case .dimensions(let expected, let found): "vector has \(found) dimensions; the index holds \(expected)"
        case .corrupt(let what): "the index on disk is damaged: \(what)"
        }
    }
}

private func key(_ tenant: String, _ id: String) -> String { tenant + "\u{0}" + id }
