import Foundation
import QuarryCore
import QuarryParsing
import Tracing

/// Ingest (DESIGN.md §5): a document's bytes — uploaded, or fetched from a URL — are stored and a
/// job queued; the job parses, chunks, embeds and indexes, recording each stage on the document.
/// Identical bytes are a no-op; a new version from the same source replaces the old one once it
/// is indexed; a job delivered twice writes the same chunk ids again, so nothing is duplicated.
public struct IngestPipeline: Sendable {
    public let store: any DocumentStore
    public let queue: any JobQueue
    public let indexer: ChunkIndexer
    /// Fetches users' URLs through the SSRF guard: uploads by URL and bulk index jobs alike.
    public let fetcher: any DocumentFetcher
    public static let queueName = "ingest"
    public static let jobName = "ingest_document"

    /// The actors of the `ingest` queue (Docs/QUEUES.md), for a ``JobWorker``.
    public var actors: [String: JobWorker.Actor] { [Self.jobName: { try await run($0) }] }

    public init(store: any DocumentStore, queue: any JobQueue, indexer: ChunkIndexer, fetcher: any DocumentFetcher) {
        self.store = store
        self.queue = queue
        self.indexer = indexer
        self.fetcher = fetcher
    }

    public enum Submission: Sendable, Equatable {
        /// Stored and queued.
        case queued(DocumentRecord)
        /// These bytes are already there (indexed, or on their way): nothing done.
        case unchanged(DocumentRecord)

        public var record: DocumentRecord {
            switch self {
            case .queued(let record), .unchanged(let record): record
            }
        }
    }

    struct Payload: Codable {
        let tenant: String
        let document: String
    }

    /// The document was deleted while its job ran.
    struct DocumentGone: Error {}

    /// Stores `data` as a document of `tenant` from `uri` and queues its ingest (again, when it failed or was canceled). The type is read
    /// from the bytes and the file name; `declaredType` (a fetched URL's `Content-Type`) decides
    /// when they do not.
    public func submit(_ data: Data, tenant: String, uri: String, filename: String?, declaredType: MediaType? = nil) async throws -> Submission {
        let mediaType = try Self.mediaType(of: data, filename: filename, declaredType: declaredType)
        let id = ContentHash.sha256(data)
        if let existing = try await store.record(id, tenant: tenant), existing.status != .failed, existing.status != .canceled {
            return .unchanged(existing)
        }
        try await store.saveBytes(data, document: id, tenant: tenant)
        let record = DocumentRecord(id: id, tenant: tenant, source: Document.Source(uri: uri, filename: filename, mediaType: mediaType))
        try await store.save(record)
        do {
            try await enqueueIngest(record)
        } catch {
            // A record no job will ever index would wait `queued` forever, and the same bytes sent
            // again would find it there and do nothing: take it back, so a retry starts afresh.
            try? await store.delete(id, tenant: tenant)
            throw error
        }
        return .queued(record)
    }

    /// Stores `data` as ``submit(_:tenant:uri:filename:declaredType:)`` does, but indexes it in
    /// the calling task rather than on the queue: a workflow's `ingest` node, on an `ingest`
    /// worker, ends when its document is searchable. Bytes already indexed (or found to need OCR)
    /// are left as they are (`unchanged`); a document an interrupted call left half-done is
    /// indexed again, writing the same chunk ids. A document that cannot be read ends `failed`
    /// and its ``DocumentError`` is thrown.
    public func ingestNow(_ data: Data, tenant: String, uri: String, filename: String?, declaredType: MediaType? = nil) async throws
        -> (record: DocumentRecord, unchanged: Bool)
    {
        let mediaType = try Self.mediaType(of: data, filename: filename, declaredType: declaredType)
        let id = ContentHash.sha256(data)
        if let existing = try await store.record(id, tenant: tenant), existing.status == .indexed || existing.status == .needsOCR {
            return (existing, true)
        }
        try await store.saveBytes(data, document: id, tenant: tenant)
        var record = DocumentRecord(id: id, tenant: tenant, source: Document.Source(uri: uri, filename: filename, mediaType: mediaType))
        try await store.save(record)
        do {
            try await ingest(&record)
        } catch let error as DocumentError {
            record.status = .failed
            record.error = error.description
            try await save(&record)
            throw error
        }
        return (record, false)
    }

    /// What the bytes are, by their content and file name; `declaredType` when those do not say.
    static func mediaType(of data: Data, filename: String?, declaredType: MediaType?) throws -> MediaType {
        guard !data.isEmpty else { throw DocumentError.empty }
        guard let mediaType = DocumentParser.mediaType(of: data, filename: filename) ?? declaredType else {
            throw DocumentError.unsupportedType(filename.map { "\($0) is neither PDF, HTML nor .txt" } ?? "neither PDF nor HTML")
        }
        return mediaType
    }

    /// The tenant's document of that id, or ``NotFound``.
    public func document(_ id: String, tenant: String) async throws -> DocumentRecord {
        guard let record = try await store.record(id, tenant: tenant) else { throw NotFound("document", id: id) }
        return record
    }

    /// Fetches `url` (``DocumentFetchError`` when it gives no document) and submits what it holds,
    /// as a document from that URL.
    public func submit(url: String, tenant: String) async throws -> Submission {
        let fetched = try await fetcher.fetchDocument(url)
        return try await submit(fetched.data, tenant: tenant, uri: url, filename: fetched.filename, declaredType: fetched.declaredType)
    }

    /// Queues the ingest of a stored document. Running it twice is harmless (the same chunk ids
    /// are written again), so a caller unsure whether a job was queued may queue one more.
    public func enqueueIngest(_ record: DocumentRecord) async throws {
        let payload = try JSONEncoder().encode(Payload(tenant: record.tenant, document: record.id))
        try await queue.enqueue(NewJob(queue: Self.queueName, name: Self.jobName, payload: payload))
    }

    /// Runs one ingest job. A document that cannot be read ends `failed` (or `needs_ocr`) and the
    /// job completes: retrying would not help. Other errors (a back end down) propagate, for the
    /// queue to retry; on the last attempt the document is marked `failed` first.
    public func run(_ job: LeasedJob) async throws {
        let payload = try JSONDecoder().decode(Payload.self, from: job.payload)
        guard var record = try await store.record(payload.document, tenant: payload.tenant) else { return }  // deleted meanwhile
        guard record.status != .canceled else { return }  // its index job was canceled
        do {
            try await ingest(&record)
        } catch is DocumentGone {
            // Deleted mid-ingest: take back what this job wrote after the delete did its part.
            try await delete(record.id, tenant: record.tenant)
        } catch let error as DocumentError {
            record.status = .failed
            record.error = error.description
            try await save(&record)
        } catch {
            if job.attempt >= job.maxAttempts {
                record.status = .failed
                record.error = "gave up after \(job.attempt) attempts: \(error)"
                try? await save(&record)
            }
            throw error
        }
    }

    func ingest(_ record: inout DocumentRecord) async throws {
        guard let data = try await store.bytes(document: record.id, tenant: record.tenant) else {
            throw DocumentError.malformed("the stored bytes are missing")
        }
        record.status = .parsing
        record.error = nil
        try await save(&record)
        let document = try withSpan("parse") { span in
            span.attributes["quarry.document.media_type"] = record.source.mediaType.rawValue
            return try DocumentParser.parse(data, tenant: record.tenant, source: record.source, filename: record.source.filename)
        }
        record.title = document.title
        record.metadata = document.metadata
        record.pages = document.pages.count
        if document.status == .needsOCR {
            record.status = .needsOCR
            record.error = "no page has a text layer: run OCR first"
            try await save(&record)
            return
        }
        record.status = .chunking
        try await save(&record)
        let chunks = withSpan("chunk") { _ in indexer.chunker.chunks(of: document) }
        try await store.saveChunks(chunks, document: record.id, tenant: record.tenant)
        record.status = .embedding
        record.chunks = chunks.count
        record.chunksIndexed = 0
        try await save(&record)
        var progress = record
        try await withSpan("embed and index") { span in
            span.attributes["quarry.chunks"] = chunks.count
            try await indexer.index(chunks, metadata: [record.id: document.metadata]) { done in
                progress.chunksIndexed = done
                try await save(&progress)
            }
        }
        record.chunksIndexed = chunks.count
        // The new version is searchable: retire the older ones from the same source.
        for older in try await store.records(source: record.source.uri, tenant: record.tenant) where older.id != record.id {
            try await indexer.index.deleteDocument(older.id, tenant: older.tenant)
            try await store.delete(older.id, tenant: older.tenant)
        }
        record.status = .indexed
        try await save(&record)
    }

    /// Saves the record's progress, unless the document was deleted meanwhile: then the job stops.
    func save(_ record: inout DocumentRecord) async throws {
        record.updatedAt = Date()
        guard try await store.update(record) else { throw DocumentGone() }
    }

    /// Removes a document everywhere: index first, so a search never cites a chunk the store lost.
    public func delete(_ id: String, tenant: String) async throws {
        try await indexer.index.deleteDocument(id, tenant: tenant)
        try await store.delete(id, tenant: tenant)
    }
}
