import Foundation
import QuarryCore

/// Bulk indexing (`POST /api/v1/index-jobs`, `quarry index`): a job names many files and URLs;
/// the actor `index_job_submit` reads each one on a worker and submits it as a document, whose
/// own `ingest_document` job any worker may then run. So the API answers at once, files are read
/// where the workers are, and the parsing spreads across every worker on the `ingest` queue.
///
/// Delivery is at least once: a submitting job that dies is run again and carries on from the
/// items it recorded; an item submitted twice is the same document (its id is the bytes' hash).
/// The documents it stored in its last second, whose ingest may or may not have been queued,
/// are queued again: ingesting one twice rewrites the same chunks, while never would lose it. Cancel stops the submitting and marks the job's documents still waiting
/// `canceled`; documents already being worked on finish.
public struct IndexJobs: Sendable {
    public let store: any IndexJobStore
    public let pipeline: IngestPipeline
    /// Where files may be read from; nil: paths are refused.
    public let root: IndexRoot?
    /// The largest file read, as uploads are limited.
    public let maximumBytes: Int
    public var maximumItems = 10_000
    /// How long one submitting run goes on before it hands over to a fresh message, well inside
    /// the 10 minutes a job may run.
    public var submitBudget: Duration = .seconds(240)

    public static let submitJobName = "index_job_submit"

    public init(store: any IndexJobStore, pipeline: IngestPipeline, root: IndexRoot?, maximumBytes: Int) {
        self.store = store
        self.pipeline = pipeline
        self.root = root
        self.maximumBytes = maximumBytes
    }

    /// Every actor of the `ingest` queue (Docs/QUEUES.md), for a ``JobWorker``.
    public var actors: [String: JobWorker.Actor] {
        pipeline.actors.merging([Self.submitJobName: { try await submitItems($0) }]) { first, _ in first }
    }

    /// Why a job was not created: the caller's mistake, said plainly. `index` is the refused
    /// entry's place in the list of paths or of URLs.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case empty
        case pathsDisabled
        case path(IndexRoot.Refusal, index: Int)
        case noDocuments(String, index: Int)
        case url(String, index: Int)
        case tooMany(limit: Int)

        public var description: String {
            switch self {
            case .empty: "name at least one path or URL"
            case .pathsDisabled: "this server indexes no local paths: its operator has set no index_root"
            case .path(let refusal, _): refusal.description
            case .noDocuments(let path, _): "\(path.prefix(500)) holds no PDF, HTML or .txt files"
            case .url(let url, _): "'\(url.prefix(200))' is not an absolute http(s) URL"
            case .tooMany(let limit): "more than \(limit) files and URLs; a job takes at most \(limit): split it"
            }
        }
    }

    /// Cancel came after the job completed: nothing is left to cancel.
    public struct AlreadyCompleted: Error, Equatable, CustomStringConvertible {
        public let id: String
        public init(id: String) { self.id = id }
        public var description: String { "index job \(id) has completed: nothing to cancel" }
    }

    struct SubmitPayload: Codable {
        let tenant: String
        let indexJob: String
        enum CodingKeys: String, CodingKey { case tenant, indexJob = "index_job" }
    }

    // MARK: Creating, reading, canceling

    /// Checks the paths (inside the root, existing; folders expanded) and URLs (their form: the
    /// SSRF guard looks at each when it is fetched), stores the job and queues its submission.
    public func create(paths: [String], urls: [String], tenant: String) async throws -> IndexJob {
        guard !paths.isEmpty || !urls.isEmpty else { throw Refusal.empty }
        var items: [IndexJob.Item] = []
        var seen: Set<String> = []
        func add(_ item: IndexJob.Item) throws(Refusal) {
            guard seen.insert(item.source).inserted else { return }
            items.append(item)
            guard items.count <= maximumItems else { throw .tooMany(limit: maximumItems) }
        }
        if !paths.isEmpty {
            guard let root else { throw Refusal.pathsDisabled }
            for (index, path) in paths.enumerated() {
                let resolved: String
                do { resolved = try root.resolve(path) } catch { throw Refusal.path(error, index: index) }
                let files = DocumentFiles.list(resolved)
                guard !files.isEmpty else { throw Refusal.noDocuments(path, index: index) }
                for file in files { try add(IndexJob.Item(kind: .path, source: file)) }
            }
        }
        for (index, url) in urls.enumerated() {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false else {
                throw Refusal.url(url, index: index)
            }
            try add(IndexJob.Item(kind: .url, source: url))
        }
        let job = IndexJob(id: UUID().uuidString.lowercased(), tenant: tenant, items: items)
        try await store.createIndexJob(job)
        do {
            try await enqueueSubmission(job)
        } catch {
            // A job nothing will run must not look queued forever.
            _ = try? await store.cancelIndexJob(job.id, tenant: tenant, at: Date())
            throw error
        }
        return job
    }

    /// The job's progress, read from its documents.
    public func progress(of job: IndexJob, now: Date = Date()) async throws -> IndexJobProgress {
        let ids = Array(Set(job.items.compactMap(\.document)))
        let documents = try await inBatches(ids) { try await pipeline.store.progress($0, tenant: job.tenant) }
        return IndexJobProgress(job: job, documents: Dictionary(documents.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }), now: now)
    }

    /// `read` over `ids` 500 at a time (a job may name 100,000), the answers joined.
    func inBatches<T>(_ ids: [String], _ read: ([String]) async throws -> [T]) async throws -> [T] {
        var found: [T] = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            found += try await read(Array(ids[start..<min(start + 500, ids.count)]))
        }
        return found
    }

    /// The tenant's job of that id, or ``NotFound``.
    public func job(_ id: String, tenant: String) async throws -> IndexJob {
        guard let job = try await store.indexJob(id, tenant: tenant) else { throw NotFound("index job", id: id) }
        return job
    }

    /// Cancels the job (again is harmless): ``NotFound`` when the tenant has no such job,
    /// ``AlreadyCompleted`` when it has finished.
    public func cancel(_ id: String, tenant: String) async throws -> IndexJob {
        if try await progress(of: try await job(id, tenant: tenant)).status == .completed { throw AlreadyCompleted(id: id) }
        guard try await store.cancelIndexJob(id, tenant: tenant, at: Date()) else { throw NotFound("index job", id: id) }
        let canceled = try await job(id, tenant: tenant)
        try await cancelWaitingDocuments(of: canceled)
        return canceled
    }

    /// Marks the documents this job queued and no worker has begun `canceled`, so their ingest
    /// jobs end at once. One a worker takes meanwhile is indexed after all.
    func cancelWaitingDocuments(of job: IndexJob) async throws {
        let ids = job.items.filter { !$0.unchanged }.compactMap(\.document)
        for var record in try await inBatches(ids, { try await pipeline.store.records($0, tenant: job.tenant) }) where record.status == .queued {
            record.status = .canceled
            record.error = "index job \(job.id) was canceled"
            record.updatedAt = Date()
            _ = try await pipeline.store.update(record)
        }
    }

    func enqueueSubmission(_ job: IndexJob) async throws {
        let payload = try JSONEncoder().encode(SubmitPayload(tenant: job.tenant, indexJob: job.id))
        try await pipeline.queue.enqueue(NewJob(queue: IngestPipeline.queueName, name: Self.submitJobName, payload: payload))
    }
}
