import COpenBLAS
import QuarryCore
import Synchronization

/// The built-in index: every chunk's vector in one row-major matrix scanned exactly with BLAS
/// (`sgemv`), and a BM25 inverted index over the chunks' terms; hybrid queries fuse the two.
/// Held in memory; entries are appended and removed ones skipped, never reused.
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

        mutating func remove(_ entry: Int) {
            guard entries[entry].live else { return }
            entries[entry].live = false
            bm25.remove(entry)
            liveByTenant[entries[entry].tenant, default: 1] -= 1
            byChunk[key(entries[entry].tenant, entries[entry].chunkId)] = nil
        }
    }

    private let state: Mutex<State>

    public init(bm25: BM25Parameters = BM25Parameters()) {
        state = Mutex(State(bm25: BM25Index(parameters: bm25)))
    }

    public func upsert(_ points: [IndexPoint]) async throws {
        try state.withLock { state in
            for point in points {
                if state.dimensions == 0 { state.dimensions = point.vector.count }
                guard point.vector.count == state.dimensions, state.dimensions > 0 else {
                    throw IndexError.dimensions(expected: state.dimensions, found: point.vector.count)
                }
                if let existing = state.byChunk[key(point.tenant, point.chunkId)] { state.remove(existing) }
                let entry = state.entries.count
                state.entries.append(Entry(chunkId: point.chunkId, tenant: point.tenant, documentId: point.documentId,
                                           metadata: point.metadata, live: true))
                state.vectors.append(contentsOf: point.vector)
                state.bm25.add(entry, terms: point.terms)
                state.byChunk[key(point.tenant, point.chunkId)] = entry
                state.byDocument[key(point.tenant, point.documentId), default: []].append(entry)
                state.liveByTenant[point.tenant, default: 0] += 1
            }
        }
    }

    public func deleteDocument(_ documentId: String, tenant: String) async throws {
        state.withLock { state in
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
    static func dense(_ state: State, _ vector: [Float], limit: Int, allowed: (Int) -> Bool) -> [ScoredEntry] {
        let rows = state.entries.count
        var scores = [Float](repeating: 0, count: rows)
        state.vectors.withUnsafeBufferPointer { matrix in
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(state.dimensions), 1, matrix.baseAddress!,
                        Int32(state.dimensions), vector, 1, 0, &scores, 1)
        }
        var best = TopK(limit)
        for row in 0..<rows where allowed(row) { best.insert(ScoredEntry(entry: row, score: scores[row])) }
        return best.sorted()
    }
}

public enum IndexError: Error, CustomStringConvertible, Equatable {
    case dimensions(expected: Int, found: Int)

    public var description: String {
        switch self {
        case .dimensions(let expected, let found): "vector has \(found) dimensions; the index holds \(expected)"
        }
    }
}

private func key(_ tenant: String, _ id: String) -> String { tenant + "\u{0}" + id }
