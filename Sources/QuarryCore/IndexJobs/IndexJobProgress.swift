import Foundation

/// Where an index job stands, worked out from the job and the documents its items became: counts
/// per stage, failures with reasons, rate and ETA. Pure, so the API and `quarry index` show the
/// same numbers.
public struct IndexJobProgress: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// No worker has begun submitting the items.
        case queued
        case running
        /// Every item indexed, unchanged or given up on.
        case completed
        /// Canceled: items not begun are skipped; documents already being worked on finish.
        case canceled
    }

    /// Where one item is. Documents' stages, plus what only a job can say about an item.
    public enum Stage: String, Sendable, Codable, CaseIterable {
        /// Not yet read or fetched.
        case pending
        case queued, parsing, chunking, embedding, indexed
        /// Already there before this job (the same bytes), indexed or known to need OCR; or the
        /// same bytes as an earlier item of the job.
        case unchanged
        case failed
        case needsOCR = "needs_ocr"
        case canceled
        /// Its document was deleted (or replaced by a newer version) since.
        case removed

        public var isFinal: Bool {
            switch self {
            case .pending, .queued, .parsing, .chunking, .embedding: false
            case .indexed, .unchanged, .failed, .needsOCR, .canceled, .removed: true
            }
        }
    }

    public struct Failure: Sendable, Equatable, Codable {
        public let source: String
        public let document: String?
        public let reason: String
    }

    public let status: Status
    public let total: Int
    /// Items per stage; every stage is present, zeros included.
    public let counts: [Stage: Int]
    /// Pages and chunks of the documents this job indexed.
    public let pages: Int
    public let chunks: Int
    public let failures: [Failure]
    public let startedAt: Date?
    public let finishedAt: Date?
    /// Items finished per second since the job started (unchanged and canceled ones, which cost
    /// nothing, left out).
    public let documentsPerSecond: Double?
    public let pagesPerSecond: Double?
    /// Seconds left at the current rate, while the job runs and a rate is known.
    public let etaSeconds: Double?

    /// `documents`: how far the items' documents have got, by id (a missing one was removed).
    public init(job: IndexJob, documents: [String: DocumentProgress], now: Date = Date()) {
        var counts = Dictionary(uniqueKeysWithValues: Stage.allCases.map { ($0, 0) })
        var failures: [Failure] = []
        var (pages, chunks, lastUpdate) = (0, 0, job.startedAt ?? job.createdAt)
        var seen: Set<String> = []
        for item in job.items {
            let record = item.document.flatMap { documents[$0] }
            // Two items with the same bytes are one document: the second has nothing new to do.
            let duplicate = item.document.map { !seen.insert($0).inserted } ?? false
            let stage = duplicate ? .unchanged : Self.stage(of: item, record: record, canceled: job.canceledAt != nil)
            counts[stage, default: 0] += 1
            if let record {
                lastUpdate = max(lastUpdate, record.updatedAt)
                if stage == .indexed {
                    pages += record.pages
                    chunks += record.chunks
                }
            }
            if stage == .failed || stage == .needsOCR {
                failures.append(Failure(source: item.source, document: item.document,
                                        reason: item.error ?? record?.error ?? record?.status.rawValue ?? "failed"))
            }
        }
        let unfinished = counts.filter { !$0.key.isFinal }.values.reduce(0, +)
        let status: Status =
            if job.canceledAt != nil { .canceled }
            else if job.startedAt == nil { .queued }
            else if unfinished == 0 { .completed }
            else { .running }
        let finishedAt: Date? = switch status {
        case .canceled: job.canceledAt
        case .completed: lastUpdate
        case .queued, .running: nil
        }
        self.status = status
        self.total = job.items.count
        self.counts = counts
        self.pages = pages
        self.chunks = chunks
        self.failures = failures
        self.startedAt = job.startedAt
        self.finishedAt = finishedAt
        let elapsed = job.startedAt.map { (finishedAt ?? now).timeIntervalSince($0) } ?? 0
        let worked = job.items.count - unfinished - (counts[.unchanged] ?? 0) - (counts[.canceled] ?? 0)
        if elapsed > 0, worked > 0 {
            documentsPerSecond = Double(worked) / elapsed
            pagesPerSecond = Double(pages) / elapsed
            etaSeconds = status == .running ? Double(unfinished) / (Double(worked) / elapsed) : nil
        } else {
            (documentsPerSecond, pagesPerSecond) = (nil, nil)
            etaSeconds = status == .completed ? 0 : nil
        }
    }

    static func stage(of item: IndexJob.Item, record: DocumentProgress?, canceled: Bool) -> Stage {
        if item.error != nil { return .failed }
        guard item.document != nil else { return canceled ? .canceled : .pending }
        guard let record else { return .removed }
        switch record.status {
        case .queued: return .queued
        case .parsing, .parsed: return .parsing
        case .chunking: return .chunking
        case .embedding: return .embedding
        case .indexed: return item.unchanged ? .unchanged : .indexed
        case .failed: return .failed
        case .needsOCR: return item.unchanged ? .unchanged : .needsOCR
        case .canceled: return .canceled
        }
    }
}
