import Crypto
import Foundation
import QuarryCore
import QuarryHTTP
import Synchronization

/// Where to find Qdrant and how the collection is laid out.
public struct QdrantConfiguration: Sendable {
    /// Base URL of the REST API, e.g. `http://qdrant:6333`.
    public var url: String
    /// Sent as the `api-key` header; never logged or returned.
    public var apiKey: String?
    public var collection: String
    /// The embedder's vector size: the collection is created with it and writes are checked against it.
    public var dimensions: Int
    public var bm25: BM25Parameters
    /// The mean chunk length in terms that BM25's length normalisation compares with: Qdrant keeps
    /// no such statistic, so it is fixed (``BM25SparseEncoder/defaultAverageLength``).
    public var averageChunkTerms: Float
    public var timeout: Duration

    public init(url: String, apiKey: String? = nil, collection: String = "quarry_chunks", dimensions: Int,
                bm25: BM25Parameters = BM25Parameters(), averageChunkTerms: Float = BM25SparseEncoder.defaultAverageLength,
                timeout: Duration = .seconds(30)) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.apiKey = apiKey
        self.collection = collection
        self.dimensions = dimensions
        self.bm25 = bm25
        self.averageChunkTerms = averageChunkTerms
        self.timeout = timeout
    }
}

/// ``VectorIndex`` on Qdrant's REST API (DESIGN.md §2): one collection with a named dense vector
/// (`dense`, cosine) and a named sparse vector (`bm25`, IDF applied by Qdrant) per chunk, payload
/// indexes for tenant (`is_tenant`, so Qdrant keeps each tenant's points together), document id and
/// page. Point ids are derived from tenant and chunk id, so re-running a write never duplicates.
/// The collection is created on first use, so Quarry starts while Qdrant is still down; while it
/// is, every call throws ``BackendUnavailable``.
public final class QdrantVectorIndex: VectorIndex {
    public let configuration: QdrantConfiguration
    let client: HTTPClient
    let encoder: BM25SparseEncoder
    private let collectionReady = Mutex(false)
    private let writes = Mutex(0)

    static let denseName = "dense"
    static let sparseName = "bm25"

    public init(configuration: QdrantConfiguration, client: HTTPClient = HTTPClient()) {
        self.configuration = configuration
        self.client = client
        self.encoder = BM25SparseEncoder(parameters: configuration.bm25, averageLength: configuration.averageChunkTerms)
    }

    /// Writes made through this instance: part of query cache keys. Writes by other processes
    /// (workers) are not seen here, so the cache keys on the time too (`QueryCache.sharedGeneration`).
    public var generation: Int { writes.withLock { $0 } }
    /// Workers write to the collection from their own processes.
    public var seesEveryWrite: Bool { false }

    // MARK: VectorIndex

    public func upsert(_ points: [IndexPoint]) async throws {
        guard !points.isEmpty else { return }
        for point in points where point.vector.count != configuration.dimensions {
            throw IndexError.dimensions(expected: configuration.dimensions, found: point.vector.count)
        }
        try await ensureCollection()
        let body = QdrantAPI.UpsertPoints(points: points.map { point in
            var vectors: [String: QdrantAPI.Vector] = [Self.denseName: .dense(point.vector)]
            if !point.terms.isEmpty { vectors[Self.sparseName] = .sparse(encoder.document(point.terms)) }
            return QdrantAPI.Point(
                id: Self.pointId(tenant: point.tenant, chunkId: point.chunkId), vector: vectors,
                payload: .init(tenant: point.tenant, document_id: point.documentId, chunk_id: point.chunkId, page: point.page,
                               metadata: point.metadata.map { Self.metadataTerm($0.key, $0.value) }.sorted())
            )
        })
        _ = try await call("PUT", "/points?wait=true", body: body)
        writes.withLock { $0 += 1 }
    }

    public func deleteDocument(_ documentId: String, tenant: String) async throws {
        try await ensureCollection()
        let filter = QdrantAPI.Filter(must: [.equals("tenant", tenant), .equals("document_id", documentId)])
        _ = try await call("POST", "/points/delete?wait=true", body: QdrantAPI.FilterSelector(filter: filter))
        writes.withLock { $0 += 1 }
    }

    public func count(tenant: String) async throws -> Int {
        try await ensureCollection()
        let data = try await call("POST", "/points/count", body: QdrantAPI.Count(filter: .init(must: [.equals("tenant", tenant)])))
        return try decode(QdrantAPI.CountResult.self, from: data).count
    }

    public func search(_ query: IndexQuery) async throws -> [IndexHit] {
        guard query.limit > 0, query.documentIds?.isEmpty != true else { return [] }
        if query.mode != .sparse, query.vector.count != configuration.dimensions {
            throw IndexError.dimensions(expected: configuration.dimensions, found: query.vector.count)
        }
        try await ensureCollection()
        let filter = Self.filter(for: query)
        let dense = QdrantAPI.Query.dense(query.vector)
        let sparse = QdrantAPI.Query.sparse(encoder.query(query.terms))
        let hasTerms = !query.terms.isEmpty

        switch (query.mode, query.fusion) {
        case (.dense, _), (.hybrid, _) where !hasTerms:
            return try await points(QdrantAPI.QueryPoints(query: dense, using: Self.denseName, filter: filter, limit: query.limit))
        case (.sparse, _):
            guard hasTerms else { return [] }
            return try await points(QdrantAPI.QueryPoints(query: sparse, using: Self.sparseName, filter: filter, limit: query.limit))
        case (.hybrid, .reciprocalRank(let k)):
            // Fused by Qdrant's Query API: both retrievers as prefetches, RRF over them.
            let prefetch = [
                QdrantAPI.Prefetch(query: dense, using: Self.denseName, filter: filter, limit: query.candidates),
                QdrantAPI.Prefetch(query: sparse, using: Self.sparseName, filter: filter, limit: query.candidates),
            ]
            return try await points(QdrantAPI.QueryPoints(
                prefetch: prefetch, query: .reciprocalRank(k: Int(k.rounded())), filter: filter, limit: query.limit
            ))
        case (.hybrid, .weighted):
            // Qdrant has no min–max fusion: both rankings in one batch request, fused here exactly
            // as the embedded index fuses them.
            let batch = QdrantAPI.QueryBatch(searches: [
                QdrantAPI.QueryPoints(query: dense, using: Self.denseName, filter: filter, limit: query.candidates),
                QdrantAPI.QueryPoints(query: sparse, using: Self.sparseName, filter: filter, limit: query.candidates),
            ])
            let data = try await call("POST", "/points/query/batch", body: batch)
            let lists = try decode([QdrantAPI.ScoredPoints].self, from: data).map { result in
                result.points.map { (key: Hit(chunkId: $0.payload.chunk_id, documentId: $0.payload.document_id), score: $0.score) }
            }
            return query.fusion.fuse(lists).prefix(query.limit).map {
                IndexHit(chunkId: $0.key.chunkId, documentId: $0.key.documentId, score: $0.score)
            }
        }
    }

    private struct Hit: Hashable {
        let chunkId: String
        let documentId: String
    }

    private func points(_ body: QdrantAPI.QueryPoints) async throws -> [IndexHit] {
        let data = try await call("POST", "/points/query", body: body)
        return try decode(QdrantAPI.ScoredPoints.self, from: data).points.map {
            IndexHit(chunkId: $0.payload.chunk_id, documentId: $0.payload.document_id, score: $0.score)
        }
    }

    // MARK: Readiness

    public var backend: BackendIdentity {
        BackendIdentity(kind: "qdrant", target: configuration.url + " collection " + configuration.collection)
    }

    /// Whether Qdrant answers and the collection exists (creating it if not): `nil` when ready,
    /// else why not.
    public func problem() async -> String? {
        do {
            try await ensureCollection()
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: Collection

    /// Deletes the whole collection (evaluation's throwaway ones); the next write creates it anew.
    public func discard() async throws {
        _ = try await call("DELETE", "")
        collectionReady.withLock { $0 = false }
        writes.withLock { $0 += 1 }
    }

    /// Creates the collection and its payload indexes unless done already. Idempotent, and safe
    /// when several processes start at once: "already exists" (409) counts as done.
    func ensureCollection() async throws {
        if collectionReady.withLock({ $0 }) { return }
        let exists = try decode(QdrantAPI.Exists.self, from: try await call("GET", "/exists")).exists
        if !exists {
            let body = QdrantAPI.CreateCollection(
                vectors: [Self.denseName: .init(size: configuration.dimensions)], sparse_vectors: [Self.sparseName: .init()]
            )
            do {
                _ = try await call("PUT", "", body: body)
            } catch let error as QdrantError where error.status == 409 {}
        }
        for (field, type, tenant) in [("tenant", "keyword", true), ("document_id", "keyword", false), ("metadata", "keyword", false),
                                      ("page", "integer", false)] {
            let body = QdrantAPI.CreateFieldIndex(field_name: field, field_schema: .init(type: type, is_tenant: tenant ? true : nil))
            _ = try await call("PUT", "/index?wait=true", body: body)
        }
        collectionReady.withLock { $0 = true }
    }

    // MARK: Transport

    /// One request to the collection's endpoint `path` (relative to `/collections/{name}`).
    /// Unreachable or failing servers (after the client's retries) become ``BackendUnavailable``;
    /// other refusals become ``QdrantError`` with Qdrant's own message.
    private func call(_ method: String, _ path: String, body: some Encodable) async throws -> Data {
        try await call(method, path, json: try JSONEncoder().encode(body))
    }

    private func call(_ method: String, _ path: String, json: Data? = nil) async throws -> Data {
        var headers = [("Accept", "application/json")]
        if let apiKey = configuration.apiKey { headers.append(("api-key", apiKey)) }
        if json != nil { headers.append(("Content-Type", "application/json")) }
        let url = configuration.url + "/collections/" + configuration.collection + path
        do {
            return try await client.send(HTTPRequest(method: method, url: url, headers: headers, body: json, timeout: configuration.timeout)).body
        } catch {
            switch error {
            case .unreachable(_, let reason), .notConnected(_, let reason):
                throw BackendUnavailable(backend: "qdrant", reason: "\(configuration.url) is unreachable: \(reason)")
            case .status(_, let code, let body) where HTTPClient.retryable(code):
                throw BackendUnavailable(backend: "qdrant", reason: "\(method) \(path.isEmpty ? "/" : path) answered \(code): \(Self.message(body))")
            case .status(_, let code, let body):
                throw QdrantError(status: code, message: Self.message(body))
            case .tooLarge:
                throw error
            }
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(QdrantAPI.Envelope<T>.self, from: data).result
        } catch {
            throw QdrantError(status: 200, message: "unexpected answer: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
    }

    /// Qdrant's error message from its body, or the body itself.
    static func message(_ body: String) -> String {
        (try? JSONDecoder().decode(QdrantAPI.ErrorBody.self, from: Data(body.utf8)).status.error) ?? String(body.prefix(300))
    }

    // MARK: Mapping

    /// A UUID from SHA-256 of tenant and chunk id (version 8: custom, RFC 9562), so the same chunk
    /// of the same tenant is always the same point and two tenants' identical chunks never collide.
    static func pointId(tenant: String, chunkId: String) -> String {
        var bytes = Array(SHA256.hash(data: Data((tenant + "\u{0}" + chunkId).utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Hex.encode(bytes)
        let cuts = [8, 12, 16, 20]
        var parts: [Substring] = []
        var start = hex.startIndex
        for cut in cuts {
            let end = hex.index(hex.startIndex, offsetBy: cut)
            parts.append(hex[start..<end])
            start = end
        }
        parts.append(hex[start...])
        return parts.joined(separator: "-")
    }

    /// One metadata pair as a keyword: the key with `%` and `=` escaped, `=`, the value. The first
    /// `=` always ends the key, so no two pairs share a keyword.
    static func metadataTerm(_ key: String, _ value: String) -> String {
        key.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "=", with: "%3D") + "=" + value
    }

    /// The query's scope: its tenant always, then its documents and metadata when given.
    static func filter(for query: IndexQuery) -> QdrantAPI.Filter {
        var must: [QdrantAPI.Filter.Condition] = [.equals("tenant", query.tenant)]
        if let ids = query.documentIds { must.append(.isAny("document_id", ids.sorted())) }
        for (key, value) in query.metadata.sorted(by: { $0.key < $1.key }) {
            must.append(.equals("metadata", metadataTerm(key, value)))
        }
        return QdrantAPI.Filter(must: must)
    }
}

/// Qdrant refused a request (bad input, wrong configuration): retrying will not help.
public struct QdrantError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    public let message: String

    public var description: String { "qdrant answered \(status): \(message)" }
}
