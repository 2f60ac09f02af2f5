import CKernels
import Foundation
import QuarryCore
import Synchronization

/// The built-in index: every chunk's vector in one row-major matrix, also kept scalar-quantised
/// (int8, a scale per row), and a BM25 inverted index over the chunks' terms; hybrid queries fuse
/// the two. Dense search scans the int8 rows (a quarter of the bytes of a float32 scan, which
/// is memory-bound) and rescores the best candidates exactly in float32; in a large index a first
/// pass over one sign bit per dimension (an eighth of the int8 bytes) picks the rows worth
/// scanning in int8.
/// Searched in memory; with a database, every change is committed there first (one transaction
/// per call, so a crash leaves all of it or none) and the memory is rebuilt from it on start.
/// Entries are appended and removed ones skipped; once removed rows outnumber live ones, the
/// rows are compacted (renumbered, BM25 postings included), so re-indexing in a long-running
/// process does not grow the scan.
///
/// Searches read a snapshot: an immutable `Snapshot`, taken under a lock held only to copy it.
/// Writers (one at a time) commit, change their own copy and then publish it, so no search waits
/// for a commit, an upsert or a compaction, and none sees half of one: it answers from the index
/// as it was before the write or as it is after. The row matrices are `RowBuffer`s, appended past
/// every published snapshot's rows and never changed, so a write copies only the small per-row
/// tables (tenants, BM25's lengths and the posting lists it extends), not the vectors.
public final class EmbeddedVectorIndex: VectorIndex {
    struct Entry {
        let chunkId: String
        let tenant: String
        let documentId: String
        let metadata: [String: String]
    }

    /// The index as one search sees it: never changed once published.
    struct Snapshot: @unchecked Sendable {
        var dimensions = 0
        /// Rows this snapshot holds, live and removed: how far it reads the buffers below.
        var rows = 0
        var vectors = RowBuffer<Float>(capacity: 0)
        /// Each row of `vectors` as int8 codes, `vectors[r, d] ≈ codes[r, d] · scales[r]`.
        var codes = RowBuffer<Int8>(capacity: 0)
        var scales = RowBuffer<Float>(capacity: 0)
        /// Each row's int8 codes as sign bits (`signWords` words a row), stored in blocks of rows
        /// (`quarry_store_sign_bits`) for the first pass's vector kernel. A later row's bits go to
        /// lanes of the last block that this snapshot's scan loads but masks out.
        var signs = RowBuffer<UInt64>(capacity: 0)
        var entries = RowBuffer<Entry>(capacity: 0)
        /// Each entry's tenant as a small number, -1 once removed (so also whether it is live):
        /// the scans' filter, a comparison per row instead of string compares.
        var rowTenants: [Int32] = []
        var tenantNumbers: [String: Int32] = [:]
        var liveByTenant: [String: Int] = [:]
        var bm25: BM25Index
        var generation = 0

        var signWords: Int { (dimensions + 63) / 64 }
    }

    /// The writer's side: the next snapshot, and the maps only writes need.
    struct State {
        var snapshot: Snapshot
        /// "tenant\u{0}chunk id" → entry.
        var byChunk: [String: Int] = [:]
        /// "tenant\u{0}document id" → its live entries.
        var byDocument: [String: [Int]] = [:]
        /// Rows removed since the last compaction.
        var removedRows = 0

        init(bm25: BM25Parameters) { snapshot = Snapshot(bm25: BM25Index(parameters: bm25)) }

        var liveRows: Int { snapshot.rows - removedRows }

        mutating func remove(_ entry: Int) {
            guard snapshot.rowTenants[entry] >= 0 else { return }
            snapshot.rowTenants[entry] = -1
            snapshot.bm25.remove(entry)
            let removed = snapshot.entries[entry]
            snapshot.liveByTenant[removed.tenant, default: 1] -= 1
            byChunk[key(removed.tenant, removed.chunkId)] = nil
            removedRows += 1
        }

        /// Compacts once removed rows outnumber live ones: amortised, a constant cost per removal.
        mutating func compactIfSparse() {
            if removedRows > liveRows { compact() }
        }

        /// Drops removed rows and renumbers the live ones in order, everywhere a row is named, into
        /// new buffers: snapshots still being searched keep the old ones.
        mutating func compact() {
            let (old, dimensions) = (snapshot, snapshot.dimensions)
            var renumbered = [Int32](repeating: -1, count: old.rows)
            let live = (0..<old.rows).filter { old.rowTenants[$0] >= 0 }
            var (vectors, codes) = (RowBuffer<Float>(capacity: live.count * dimensions), RowBuffer<Int8>(capacity: live.count * dimensions))
            var (scales, entries) = (RowBuffer<Float>(capacity: live.count), RowBuffer<Entry>(capacity: live.count))
            for (number, row) in live.enumerated() {
                renumbered[row] = Int32(number)
                vectors = vectors.appending(old.vectors.slice(row * dimensions ..< (row + 1) * dimensions))
                codes = codes.appending(old.codes.slice(row * dimensions ..< (row + 1) * dimensions))
                scales = scales.appending(CollectionOfOne(old.scales[row]))
                entries = entries.appending(CollectionOfOne(old.entries[row]))
            }
            let signs = RowBuffer<UInt64>(capacity: quarry_sign_block_words(live.count, Int32(dimensions)))
                .appending(repeating: 0, count: quarry_sign_block_words(live.count, Int32(dimensions)))
            quarry_store_sign_bits(codes.base, Int32(dimensions), 0, live.count, signs.base)
            snapshot.vectors = vectors
            snapshot.codes = codes
            snapshot.scales = scales
            snapshot.entries = entries
            snapshot.signs = signs
            snapshot.rowTenants = live.map { old.rowTenants[$0] }
            snapshot.rows = live.count
            byChunk = byChunk.mapValues { Int(renumbered[$0]) }
            byDocument = byDocument.compactMapValues { rows in
                let kept = rows.compactMap { renumbered[$0] >= 0 ? Int(renumbered[$0]) : nil }
                return kept.isEmpty ? nil : kept
            }
            snapshot.bm25.renumber(renumbered)
            removedRows = 0
        }
    }

    /// The writers' state; one write at a time, searches never take it.
    private let state: Mutex<State>
    /// The snapshot searches read, replaced by each write once it is committed.
    private let published: Mutex<Snapshot>
    private let database: SQLiteDatabase?
    private let bm25Parameters: BM25Parameters

    /// An index in memory only, or kept in `database` (the table `index_points`).
    public init(database: SQLiteDatabase? = nil, bm25: BM25Parameters = BM25Parameters()) throws {
        self.database = database
        bm25Parameters = bm25
        var state = State(bm25: bm25)
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
        published = Mutex(state.snapshot)
        self.state = Mutex(state)
    }

    /// The snapshot a search reads: the last published.
    var snapshot: Snapshot { published.withLock { $0 } }

    /// Runs `change` on the writers' state and publishes the snapshot it leaves: every write goes
    /// through here, so a search sees all of a write or none of it.
    private func write<Result>(_ change: (inout State) throws -> Result) rethrows -> Result {
        try state.withLock { state in
            let result = try change(&state)
            let next = state.snapshot
            published.withLock { $0 = next }
            return result
        }
    }

    /// How many writes the index has taken since it was opened: a cache key for results.
    public var generation: Int { snapshot.generation }

    /// The index lives in this process's memory: no other process writes to it.
    public var seesEveryWrite: Bool { true }

    public var backend: BackendIdentity { database?.backend ?? BackendIdentity(kind: "embedded", target: "memory") }
    public func problem() async -> String? { database?.problem() }

    /// Empties the index, in memory and in its database.
    public func discard() async throws {
        try write { state in
            try database?.execute("DELETE FROM index_points")
            let generation = state.snapshot.generation
            state = State(bm25: bm25Parameters)
            state.snapshot.generation = generation + 1
        }
    }

    /// Rows held in memory, removed ones not yet compacted away included.
    var rowCount: Int { snapshot.rows }

    public func upsert(_ points: [IndexPoint]) async throws {
        try write { state in
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
    mutating func tenantNumber(_ tenant: String) -> Int32 {
        if let number = snapshot.tenantNumbers[tenant] { return number }
        let number = Int32(snapshot.tenantNumbers.count)
        snapshot.tenantNumbers[tenant] = number
        return number
    }

    mutating func checkDimensions(_ counts: [Int]) throws {
        for count in counts {
            if snapshot.dimensions == 0 { snapshot.dimensions = count }
            guard count == snapshot.dimensions, snapshot.dimensions > 0 else {
                throw IndexError.dimensions(expected: snapshot.dimensions, found: count)
            }
        }
    }

    mutating func add(_ points: [IndexPoint]) throws {
        try checkDimensions(points.map(\.vector.count))
        let dimensions = snapshot.dimensions
        snapshot.generation += 1
        for point in points {
            if let existing = byChunk[key(point.tenant, point.chunkId)] { remove(existing) }
            let entry = snapshot.rows
            snapshot.entries = snapshot.entries.appending(CollectionOfOne(EmbeddedVectorIndex.Entry(
                chunkId: point.chunkId, tenant: point.tenant, documentId: point.documentId, metadata: point.metadata)))
            snapshot.vectors = snapshot.vectors.appending(point.vector)
            let (rowCodes, scale) = Quantizer.quantize(point.vector)
            snapshot.codes = snapshot.codes.appending(rowCodes)
            let signWordsNeeded = quarry_sign_block_words(entry + 1, Int32(dimensions))
            if snapshot.signs.count < signWordsNeeded {
                snapshot.signs = snapshot.signs.appending(repeating: 0, count: signWordsNeeded - snapshot.signs.count)
            }
            // The row's own lanes of the last block: past every published snapshot's rows.
            quarry_store_sign_bits(rowCodes, Int32(dimensions), entry, 1, snapshot.signs.base)
            snapshot.scales = snapshot.scales.appending(CollectionOfOne(scale))
            snapshot.rowTenants.append(tenantNumber(point.tenant))
            snapshot.bm25.add(entry, terms: point.terms)
            snapshot.rows += 1
            byChunk[key(point.tenant, point.chunkId)] = entry
            byDocument[key(point.tenant, point.documentId), default: []].append(entry)
            snapshot.liveByTenant[point.tenant, default: 0] += 1
        }
        compactIfSparse()
    }
}

extension EmbeddedVectorIndex {
    public func deleteDocument(_ documentId: String, tenant: String) async throws {
        try write { state in
            try database?.query("DELETE FROM index_points WHERE tenant = ? AND document_id = ?", [.text(tenant), .text(documentId)])
            state.snapshot.generation += 1
            for entry in state.byDocument.removeValue(forKey: key(tenant, documentId)) ?? [] { state.remove(entry) }
            state.compactIfSparse()
        }
    }

    public func count(tenant: String) async throws -> Int {
        snapshot.liveByTenant[tenant] ?? 0
    }

    public func search(_ query: IndexQuery) async throws -> [IndexHit] {
        try Self.search(query, in: snapshot)
    }

    /// `query` answered from one snapshot, with no lock held.
    static func search(_ query: IndexQuery, in state: Snapshot) throws -> [IndexHit] {
        guard query.limit > 0, state.dimensions > 0, let tenant = state.tenantNumbers[query.tenant] else { return [] }
        let entries = state.entries
        let filters = query.documentIds != nil || !query.metadata.isEmpty
        let rowTenants = state.rowTenants
        let allowed = { (entry: Int) -> Bool in
            guard rowTenants[entry] == tenant else { return false }
            guard filters else { return true }
            let candidate = entries[entry]
            return (query.documentIds?.contains(candidate.documentId) ?? true)
                && query.metadata.allSatisfy { candidate.metadata[$0.key] == $0.value }
        }
        let depth = query.mode == .hybrid ? query.candidates : query.limit
        func sparse() -> [ScoredEntry] { state.bm25.search(query.terms, limit: depth, allowed: allowed) }
        var lists: [[(key: Int, score: Double)]] = []
        if query.mode != .sparse {
            guard query.vector.count == state.dimensions else {
                throw IndexError.dimensions(expected: state.dimensions, found: query.vector.count)
            }
            let codes = Quantizer.quantize(query.vector).codes
            let wanted = max(depth * Self.rescoreFactor, Self.minimumCandidates)
            let survivors = filters ? nil : Self.signSurvivors(tenantRows: state.liveByTenant[query.tenant] ?? 0, wanted: wanted)
            var nearest: [Int32]?
            var sparseFound: [ScoredEntry]?
            if let survivors {
                // The sign pass streams its bits from memory and BM25 scatters over its
                // postings: a hybrid query's BM25 runs beside the pass.
                nearest = Self.nearestBySigns(state, codes, survivors, tenant: tenant) {
                    if query.mode == .hybrid { sparseFound = sparse() }
                }
            }
            let found = Self.dense(state, query.vector, codes, limit: depth, wanted: wanted, tenant: tenant, nearest: nearest,
                                   allowed: filters ? allowed : nil)
            lists.append(found.map { ($0.entry, Double($0.score)) })
            if query.mode == .hybrid { lists.append((sparseFound ?? sparse()).map { ($0.entry, Double($0.score)) }) }
        } else {
            lists.append(sparse().map { ($0.entry, Double($0.score)) })
        }
        let ranked = lists.count == 1 ? lists[0] : query.fusion.fuse(lists)
        return ranked.prefix(query.limit).map {
            IndexHit(chunkId: state.entries[$0.key].chunkId, documentId: state.entries[$0.key].documentId, score: $0.score)
        }
    }

    /// Candidates rescored exactly per result wanted: quantisation moves scores by about 1 %, so
    /// a true top-k row is far inside the top 4k of the int8 ranking (recall is tested).
    static let rescoreFactor = 4
    static let minimumCandidates = 64

    /// The best `limit` rows of `tenant` (and `allowed`, when filtering) by inner product with the
    /// unit query (`codes` its int8 quantisation): `wanted` candidates by int8 score among every
    /// row of the tenant, or among the `nearest` rows by sign bits when a large tenant's first pass
    /// found them, rescored exactly in float32.
    /// The workers of the process's shared pool (the encoder's) take a share of the rows of a
    /// large index each: dispatch's threads beside the encoder's spinning ones outnumbered the cores.
    static func dense(_ state: Snapshot, _ vector: [Float], _ codes: [Int8], limit: Int, wanted: Int, tenant: Int32, nearest: [Int32]?,
                      allowed: ((Int) -> Bool)?) -> [ScoredEntry] {
        guard state.rows > 0 else { return [] }  // a tenant whose rows were all compacted away
        let rows = allowed.map { filteredCandidates(state, codes, wanted, tenant: tenant, allowed: $0) }
            ?? nearest.flatMap { listedCandidates(state, codes, wanted, rows: $0) }
            ?? tenantCandidates(state, codes, wanted, tenant: tenant)
        var exact = [Float](repeating: 0, count: rows.count)
        quarry_dot_listed_rows(quarry_pool_shared(), state.vectors.base, Int32(state.dimensions), rows, rows.count, vector, &exact)
        var best = TopK(limit)
        for (row, score) in zip(rows, exact) { best.insert(ScoredEntry(entry: Int(row), score: score)) }
        return best.sorted()
    }

    /// The tenant's `count` best rows by int8 score: scored and selected in C, block by block,
    /// with no scores array (the common query, without filters). The candidate functions return
    /// rows only: their int8 scores served to select them, and rescoring replaces them.
    static func tenantCandidates(_ state: Snapshot, _ query: [Int8], _ count: Int, tenant: Int32) -> [Int32] {
        var best = [quarry_candidate](repeating: quarry_candidate(), count: count)
        let found = state.rowTenants.withUnsafeBufferPointer { tenants in
            quarry_best_rows_int8(quarry_pool_shared(), state.codes.base, state.scales.base, tenants.baseAddress!, tenant,
                                  Int32(state.dimensions), state.rows, query, count, &best)
        }
        guard found >= 0 else { return filteredCandidates(state, query, count, tenant: tenant, allowed: { _ in true }) }  // out of memory
        return best.prefix(found).map(\.row)
    }

    /// How many rows the sign-bit pass keeps for `wanted` int8 candidates among a tenant's
    /// `tenantRows`, or nil when the pass would not halve the int8 scan. The pass ranks rows by
    /// angle only roughly, and the rows it ranks above a true neighbour grow with the index: so a
    /// share of the rows (a thirty-second), and never fewer than 8 per candidate. On SciFact padded
    /// to 10,000 and 100,000 chunks (`quarry bench query` measures it), dense recall@10 against
    /// exact search is 0.9997 and 1.0, recall@100 1.0 and 0.9994 (the bar is recall@10 ≥ 0.99;
    /// both depths are tested on generated vectors too).
    static func signSurvivors(tenantRows: Int, wanted: Int) -> Int? {
        let keep = max(tenantRows / 32, wanted * 8)
        return keep * 2 <= tenantRows ? keep : nil
    }

    /// The tenant's `survivors` rows nearest the query (int8 `codes`) by sign bits, the pass split
    /// over the shared pool's workers; nil when the kernels cannot (out of memory, or rows too
    /// wide for the pass). `alongside` runs once, on worker 1, which then joins the pass (or
    /// before the pass, with one worker).
    static func nearestBySigns(_ state: Snapshot, _ codes: [Int8], _ survivors: Int, tenant: Int32, alongside: () -> Void) -> [Int32]? {
        var signQuery = [UInt64](repeating: 0, count: state.signWords * (1 + Int(QUARRY_SIGN_PLANES)))
        quarry_sign_query(codes, Int32(state.dimensions), &signQuery)
        var rows = [Int32](repeating: 0, count: survivors)
        let workers = quarry_pool_workers(quarry_pool_shared())
        // The scan keeps the three pointers until it finishes: all three live until then.
        let kept = state.rowTenants.withUnsafeBufferPointer { tenants in
            signQuery.withUnsafeBufferPointer { query in
                let (signs, tenants, query) = (UnsafePointer(state.signs.base), tenants.baseAddress!, query.baseAddress!)
                guard workers >= 2,
                      let scan = quarry_signs_begin(signs, Int32(state.signWords), tenants, tenant, state.rows, query, workers)
                else {
                    alongside()
                    return quarry_nearest_signs(nil, signs, Int32(state.signWords), tenants, tenant, state.rows, query, survivors, &rows)
                }
                runOnSharedPool { worker in
                    if worker == 1 { alongside() }
                    quarry_signs_work(scan, Int32(worker))
                }
                return quarry_signs_finish(scan, survivors, &rows)
            }
        }
        guard kept >= 0 else { return nil }
        return Array(rows.prefix(kept))
    }

    /// The `count` best of the listed rows by int8 score; nil when out of memory.
    static func listedCandidates(_ state: Snapshot, _ codes: [Int8], _ count: Int, rows: [Int32]) -> [Int32]? {
        var best = [quarry_candidate](repeating: quarry_candidate(), count: count)
        let found = quarry_best_listed_rows_int8(quarry_pool_shared(), state.codes.base, state.scales.base, Int32(state.dimensions), rows,
                                                 rows.count, codes, count, &best)
        guard found >= 0 else { return nil }
        return best.prefix(found).map(\.row)
    }

    /// The same with a document or metadata filter: every row scored, then the filter asked only
    /// of rows good enough to enter.
    static func filteredCandidates(_ state: Snapshot, _ query: [Int8], _ count: Int, tenant: Int32, allowed: (Int) -> Bool) -> [Int32] {
        let rows = state.rows
        var approximate = [Int32](repeating: 0, count: rows)
        approximate.withUnsafeMutableBufferPointer { scores in
            quarry_dot_rows_int8_parallel(quarry_pool_shared(), state.codes.base, Int32(state.dimensions), rows, query, scores.baseAddress!)
        }
        var candidates = TopK(count)
        state.rowTenants.withUnsafeBufferPointer { tenants in
            for row in 0..<rows where tenants[row] == tenant {
                let score = Float(approximate[row]) * state.scales[row]
                if candidates.admits(score), allowed(row) { candidates.insert(ScoredEntry(entry: row, score: score)) }
            }
        }
        return candidates.sorted().map { Int32($0.entry) }
    }
}

/// Symmetric int8 quantisation with one scale per vector: `v[d] ≈ code[d] · scale`, the largest
/// magnitude mapped to ±127.
enum Quantizer {
    static func quantize(_ vector: [Float]) -> (codes: [Int8], scale: Float) {
        let largest = vector.reduce(0) { max($0, abs($1)) }
        guard largest > 0 else { return ([Int8](repeating: 0, count: vector.count), 0) }
        let scale = largest / 127
        return (vector.map { Int8(($0 / scale).rounded()) }, scale)
    }
}

private func key(_ tenant: String, _ id: String) -> String { tenant + "\u{0}" + id }

/// Runs `body(worker)` once for each of the shared pool's workers (0 on the calling thread) and
/// returns when all are done.
private func runOnSharedPool(_ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        var body = body
        withUnsafeMutablePointer(to: &body) { context in
            quarry_pool_run(quarry_pool_shared(), { context, worker in
                context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(worker))
            }, context)
        }
    }
}
