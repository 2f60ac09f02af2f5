import Foundation
import Hummingbird
import QuarryCore

/// An index job as clients see it (and `quarry index --server` reads it back): status, counts
/// per stage, pages and chunks indexed, rate, ETA and the failures with their reasons.
public struct IndexJobBody: ResponseEncodable, Decodable, Sendable, Equatable {
    public let id: String
    public let status: IndexJobProgress.Status
    public let total: Int
    /// Items per stage: pending, queued, parsing, chunking, embedding, indexed, unchanged, failed, needs_ocr, canceled, removed.
    public let counts: [String: Int]
    public let pages: Int
    public let chunks: Int
    public let documentsPerSecond: Double?
    public let pagesPerSecond: Double?
    public let etaSeconds: Double?
    /// Left out of lists.
    public let failures: [Failure]?
    public let createdAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?
    public let statusUrl: String

    public struct Failure: Codable, Sendable, Equatable {
        public let source: String
        public let documentId: String?
        public let reason: String

        enum CodingKeys: String, CodingKey { case source, documentId = "document_id", reason }
    }

    enum CodingKeys: String, CodingKey {
        case id, status, total, counts, pages, chunks, failures
        case documentsPerSecond = "documents_per_second", pagesPerSecond = "pages_per_second", etaSeconds = "eta_seconds"
        case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at", statusUrl = "status_url"
    }

    public init(_ job: IndexJob, progress: IndexJobProgress, withFailures: Bool = true) {
        id = job.id
        status = progress.status
        total = progress.total
        counts = Dictionary(uniqueKeysWithValues: progress.counts.map { ($0.key.rawValue, $0.value) })
        pages = progress.pages
        chunks = progress.chunks
        documentsPerSecond = progress.documentsPerSecond
        pagesPerSecond = progress.pagesPerSecond
        etaSeconds = progress.etaSeconds
        failures = withFailures ? progress.failures.map { Failure(source: $0.source, documentId: $0.document, reason: $0.reason) } : nil
        createdAt = job.createdAt
        startedAt = progress.startedAt
        finishedAt = progress.finishedAt
        statusUrl = Self.statusURL(job.id)
    }

    public static func statusURL(_ id: String) -> String { "/api/v1/index-jobs/\(id)" }

    /// Items in `stage`.
    public func count(_ stage: IndexJobProgress.Stage) -> Int { counts[stage.rawValue] ?? 0 }

    public var isFinished: Bool { status == .completed || status == .canceled }
}

struct IndexJobList: ResponseEncodable {
    let indexJobs: [IndexJobBody]
    let limit: Int
    let offset: Int

    enum CodingKeys: String, CodingKey { case indexJobs = "index_jobs", limit, offset }
}

/// `POST /api/v1/index-jobs`' body: `{"paths": […], "urls": […]}`, either may be left out; nothing else.
struct IndexJobSubmission: Decodable {
    let paths: [String]
    let urls: [String]

    enum CodingKeys: String, CodingKey, CaseIterable { case paths, urls }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        paths = try container.decodeOptional([String].self, forKey: .paths) ?? []
        urls = try container.decodeOptional([String].self, forKey: .urls) ?? []
    }
}
