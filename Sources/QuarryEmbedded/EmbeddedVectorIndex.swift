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
public final class EmbeddedVectorIndex: VectorIndex {
    struct Entry {
        let chunkId: String
        let tenant: String
        let documentId: String
        let metadata: [String: String]
    }

    struct State {
        var dimensions = 0
        var vectors: [Float] = []
        /// Each row of `vectors` as int8 codes, `vectors[r, d] ≈ codes[r, d] · scales[r]`.
        var codes: [Int8] = []
        var scales: [Float] = []
        /// Each row's int8 codes as sign bits (`signWords` words a row), stored in blocks of rows
        /// (`quarry_store_sign_bits`) for the first pass's vector kernel.
        var signs: [UInt64] = []
        var entries: [Entry] = []
        /// Each entry's tenant as a small number, -1 once removed (so also whether it is live):
        /// the scans' filter, a comparison per row instead of string compares.
        var rowTenants: [Int32] = []
        var tenantNumbers: [String: Int32] = [:]
        /// "tenant\u{0}chunk id" → entry.
        var byChunk: [String: Int] = [:]
        /// "tenant\u{0}document id" → its live entries.
        var byDocument: [String: [Int]] = [:]
        var liveByTenant: [String: Int] = [:]
        var bm25: BM25Index
        var generation = 0
        /// Rows removed since the last compaction.
        var removedRows = 0

        var liveRows: Int { entries.count - removedRows }
        var signWords: Int { (dimensions + 63) / 64 }

        mutating func remove(_ entry: Int) {
            guard rowTenants[entry] >= 0 else { return }
            rowTenants[entry] = -1
            bm25.remove(entry)
            liveByTenant[entries[entry].tenant, default: 1] -= 1
            byChunk[key(entries[entry].tenant, entries[entry].chunkId)] = nil
            removedRows += 1
        }

        /// Compacts once removed rows outnumber live ones: amortised, a constant cost per removal.
        mutating func compactIfSparse() {
            if removedRows > liveRows { compact() }
        }

        /// Drops removed rows and renumbers the live ones in order, everywhere a row is named.
        mutating func compact() {
            var renumbered = [Int32](repeating: -1, count: entries.count)
            var (keptVectors, keptCodes, keptScales, keptEntries, keptTenants) = ([Float](), [Int8](), [Float](), [EmbeddedVectorIndex.Entry](), [Int32]())
            keptVectors.reserveCapacity(liveRows * dimensions)
            keptCodes.reserveCapacity(liveRows * dimensions)
            for row in entries.indices where rowTenants[row] >= 0 {
                renumbered[row] = Int32(keptEntries.count)
                keptVectors.append(contentsOf: vectors[row * dimensions ..< (row + 1) * dimensions])
                keptCodes.append(contentsOf: codes[row * dimensions ..< (row + 1) * dimensions])
                keptScales.append(scales[row])
                keptEntries.append(entries[row])
                keptTenants.append(rowTenants[row])
            }
            var keptSigns = [UInt64](repeating: 0, count: quarry_sign_block_words(keptEntries.count, Int32(dimensions)))
            quarry_store_sign_bits(keptCodes, Int32(dimensions), 0, keptEntries.count, &keptSigns)
            (vectors, codes, signs, scales, entries, rowTenants) = (keptVectors, keptCodes, keptSigns, keptScales, keptEntries, keptTenants)
            byChunk = byChunk.mapValues { Int(renumbered[$0]) }
            byDocument = byDocument.compactMapValues { rows in
                let live = rows.compactMap { renumbered[$0] >= 0 ? Int(renumbered[$0]) : nil }
                return live.isEmpty ? nil : live
            }
            bm25.renumber(renumbered)
            removedRows = 0
        }
    }

    private let state: Mutex<State>
    private let database: SQLiteDatabase?
    private let bm25Parameters: BM25Parameters

    /// An index in memory only, or kept in `database` (the table `index_points`).
    public init(database: SQLiteDatabase? = nil, bm25: BM25Parameters = BM25Parameters()) throws {
        self.database = database
        bm25Parameters = bm25
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

    /// The index lives in this process's memory: no other process writes to it.
    public var seesEveryWrite: Bool { true }

    public var backend: BackendIdentity { database?.backend ?? BackendIdentity(kind: "embedded", target: "memory") }
    public func problem() async -> String? { database?.problem() }

    /// Empties the index, in memory and in its database.
    public func discard() async throws {
        try state.withLock { state in
            try database?.execute("DELETE FROM index_points")
            let generation = state.generation
            state = State(bm25: BM25Index(parameters: bm25Parameters))
            state.generation = generation + 1
        }
    }

    /// Rows held in memory, removed ones not yet compacted away included.
    var rowCount: Int { state.withLock { $0.entries.count } }

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
    mutating func tenantNumber(_ tenant: String) -> Int32 {
        if let number = tenantNumbers[tenant] { return number }
        let number = Int32(tenantNumbers.count)
        tenantNumbers[tenant] = number
        return number
    }

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
                                                     metadata: point.metadata))
            vectors.append(contentsOf: point.vector)
            let (rowCodes, scale) = Quantizer.quantize(point.vector)
            codes.append(contentsOf: rowCodes)
            let signWordsNeeded = quarry_sign_block_words(entries.count, Int32(dimensions))
            if signs.count < signWordsNeeded { signs.append(contentsOf: repeatElement(0, count: signWordsNeeded - signs.count)) }
            quarry_store_sign_bits(rowCodes, Int32(dimensions), entry, 1, &signs)
            scales.append(scale)
            rowTenants.append(tenantNumber(point.tenant))
            bm25.add(entry, terms: point.terms)
            byChunk[key(point.tenant, point.chunkId)] = entry
            byDocument[key(point.tenant, point.documentId), default: []].append(entry)
            liveByTenant[point.tenant, default: 0] += 1
        }
        compactIfSparse()
    }
}

extension EmbeddedVectorIndex {
    public func deleteDocument(_ documentId: String, tenant: String) async throws {
        try state.withLock { state in
            try database?.query("DELETE FROM index_points WHERE tenant = ? AND document_id = ?", [.text(tenant), .text(documentId)])
            state.generation += 1
            for entry in state.byDocument.removeValue(forKey: key(tenant, documentId)) ?? [] { state.remove(entry) }
            state.compactIfSparse()
        }
    }

    public func count(tenant: String) async throws -> Int {
        state.withLock { $0.liveByTenant[tenant] ?? 0 }
    }

    public func search(_ query: IndexQuery) async throws -> [IndexHit] {
        try state.withLock { state in
            guard query.limit > 0, state.dimensions > 0, let tenant = state.tenantNumbers[query.tenant] else { return [] }
            let entries = state.entries  // shared storage, not a copy
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
    static func dense(_ state: State, _ vector: [Float], _ codes: [Int8], limit: Int, wanted: Int, tenant: Int32, nearest: [Int32]?,
                      allowed: ((Int) -> Bool)?) -> [ScoredEntry] {
        guard !state.entries.isEmpty else { return [] }  // a tenant whose rows were all compacted away
        let rows = allowed.map { filteredCandidates(state, codes, wanted, tenant: tenant, allowed: $0) }
            ?? nearest.flatMap { listedCandidates(state, codes, wanted, rows: $0) }
            ?? tenantCandidates(state, codes, wanted, tenant: tenant)
        var exact = [Float](repeating: 0, count: rows.count)
        state.vectors.withUnsafeBufferPointer { matrix in
            quarry_dot_listed_rows(quarry_pool_shared(), matrix.baseAddress!, Int32(state.dimensions), rows, rows.count, vector, &exact)
        }
        var best = TopK(limit)
        for (row, score) in zip(rows, exact) { best.insert(ScoredEntry(entry: Int(row), score: score)) }
        return best.sorted()
    }

    /// The tenant's `count` best rows by int8 score: scored and selected in C, block by block,
    /// with no scores array (the common query, without filters). The candidate functions return
    /// rows only: their int8 scores served to select them, and rescoring replaces them.
    static func tenantCandidates(_ state: State, _ query: [Int8], _ count: Int, tenant: Int32) -> [Int32] {
        var best = [quarry_candidate](repeating: quarry_candidate(), count: count)
        let found = state.codes.withUnsafeBufferPointer { codes in
            state.scales.withUnsafeBufferPointer { scales in
                state.rowTenants.withUnsafeBufferPointer { tenants in
                    quarry_best_rows_int8(quarry_pool_shared(), codes.baseAddress!, scales.baseAddress!, tenants.baseAddress!, tenant,
                                          Int32(state.dimensions), state.entries.count, query, count, &best)
                }
            }
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
    static func nearestBySigns(_ state: State, _ codes: [Int8], _ survivors: Int, tenant: Int32, alongside: () -> Void) -> [Int32]? {
        var signQuery = [UInt64](repeating: 0, count: state.signWords * (1 + Int(QUARRY_SIGN_PLANES)))
        quarry_sign_query(codes, Int32(state.dimensions), &signQuery)
        var rows = [Int32](repeating: 0, count: survivors)
        let workers = quarry_pool_workers(quarry_pool_shared())
        // The scan keeps the three pointers until it finishes: all three live until then.
        let kept = state.signs.withUnsafeBufferPointer { signs in
            state.rowTenants.withUnsafeBufferPointer { tenants in
                signQuery.withUnsafeBufferPointer { query in
                    let (signs, tenants, query) = (signs.baseAddress!, tenants.baseAddress!, query.baseAddress!)
                    guard workers >= 2,
                          let scan = quarry_signs_begin(signs, Int32(state.signWords), tenants, tenant, state.entries.count, query, workers)
                    else {
                        alongside()
                        return quarry_nearest_signs(nil, signs, Int32(state.signWords), tenants, tenant, state.entries.count, query, survivors, &rows)
                    }
                    runOnSharedPool { worker in
                        if worker == 1 { alongside() }
                        quarry_signs_work(scan, Int32(worker))
                    }
                    return quarry_signs_finish(scan, survivors, &rows)
                }
            }
        }
        guard kept >= 0 else { return nil }
        return Array(rows.prefix(kept))
    }

    /// The `count` best of the listed rows by int8 score; nil when out of memory.
    static func listedCandidates(_ state: State, _ codes: [Int8], _ count: Int, rows: [Int32]) -> [Int32]? {
        var best = [quarry_candidate](repeating: quarry_candidate(), count: count)
        let found = state.codes.withUnsafeBufferPointer { table in
            state.scales.withUnsafeBufferPointer { scales in
                quarry_best_listed_rows_int8(quarry_pool_shared(), table.baseAddress!, scales.baseAddress!, Int32(state.dimensions), rows, rows.count,
                                             codes, count, &best)
            }
        }
        guard found >= 0 else { return nil }
        return best.prefix(found).map(\.row)
    }

    /// The same with a document or metadata filter: every row scored, then the filter asked only
    /// of rows good enough to enter.
    static func filteredCandidates(_ state: State, _ query: [Int8], _ count: Int, tenant: Int32, allowed: (Int) -> Bool) -> [Int32] {
        let rows = state.entries.count
        var approximate = [Int32](repeating: 0, count: rows)
        state.codes.withUnsafeBufferPointer { codes in
            approximate.withUnsafeMutableBufferPointer { scores in
                quarry_dot_rows_int8_parallel(quarry_pool_shared(), codes.baseAddress!, Int32(state.dimensions), rows, query, scores.baseAddress!)
            }
        }
        var candidates = TopK(count)
        state.rowTenants.withUnsafeBufferPointer { tenants in
            state.scales.withUnsafeBufferPointer { scales in
                for row in 0..<rows where tenants[row] == tenant {
                    let score = Float(approximate[row]) * scales[row]
                    if candidates.admits(score), allowed(row) { candidates.insert(ScoredEntry(entry: row, score: score)) }
                }
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
