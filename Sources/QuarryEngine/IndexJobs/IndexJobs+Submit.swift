import Foundation
import QuarryCore

/// The actor `index_job_submit`: reads each item of a job and submits it as a document.
extension IndexJobs {
    /// An item that cannot become a document; recorded on the item, the job goes on.
    /// A path that cannot be indexed: no index root, outside it, missing, too large, unreadable.
    public struct Unreadable: Error, CustomStringConvertible {
        public let description: String
    }

    func submitItems(_ leased: LeasedJob) async throws {
        let payload = try JSONDecoder().decode(SubmitPayload.self, from: leased.payload)
        guard var job = try await store.indexJob(payload.indexJob, tenant: payload.tenant) else { return }
        guard job.canceledAt == nil else { return try await cancelWaitingDocuments(of: job) }
        if job.startedAt == nil {
            job.startedAt = Date()
            try await store.updateIndexJobItems(job)
        }
        do {
            try await submitItems(of: &job)
        } catch {
            if leased.attempt >= leased.maxAttempts {
                // The job's last try: say why the rest was never submitted, or it would wait forever.
                for index in job.items.indices where !job.items[index].isSettled {
                    job.items[index].error = "not submitted: gave up after \(leased.attempt) attempts: \(error)"
                }
                try? await store.updateIndexJobItems(job)
            }
            throw error
        }
    }

    /// Submits the job's unsettled items, saving progress every second (less often when saving
    /// takes long); hands over to a fresh message when its time budget is spent; stops when the
    /// job is canceled.
    func submitItems(of job: inout IndexJob) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var saved = start
        var saveEvery = Duration.seconds(1)
        for index in job.items.indices where !job.items[index].isSettled {
            job.items[index] = try await submit(job.items[index], of: job)
            if clock.now - saved > saveEvery {
                let saving = clock.now
                try await store.updateIndexJobItems(job)
                saved = clock.now
                // A save writes every item: for a job of many thousands, at most a twentieth of the time.
                saveEvery = max(.seconds(1), (saved - saving) * 20)
                if try await store.indexJobCanceled(job.id, tenant: job.tenant) { return try await cancelWaitingDocuments(of: job) }
            }
            // At least one item per run, so even a tiny budget makes progress.
            if clock.now - start > submitBudget, job.items.contains(where: { !$0.isSettled }) {
                try await store.updateIndexJobItems(job)
                try await enqueueSubmission(job)
                return
            }
        }
        try await store.updateIndexJobItems(job)
        if try await store.indexJobCanceled(job.id, tenant: job.tenant) { try await cancelWaitingDocuments(of: job) }
    }

    /// The item with its document, or with why it has none. A back end that fails throws, so
    /// the job is retried rather than the item given up.
    func submit(_ item: IndexJob.Item, of job: IndexJob) async throws -> IndexJob.Item {
        var item = item
        let submission: IngestPipeline.Submission
        do {
            switch item.kind {
            case .url:
                submission = try await pipeline.submit(url: item.source, tenant: job.tenant)
            case .path:
                let file = try readPath(item.source)
                submission = try await pipeline.submit(file.data, tenant: job.tenant, uri: URL(fileURLWithPath: item.source).standardizedFileURL.absoluteString,
                                                       filename: file.name)
            }
        } catch let error as Unreadable {
            item.error = error.description
            return item
        } catch let error as DocumentFetchError {
            item.error = error.description
            return item
        } catch let error as DocumentError {
            item.error = error.description
            return item
        }
        let record = submission.record
        if case .unchanged = submission, record.status == .queued, record.createdAt >= job.createdAt,
           !job.items.contains(where: { $0.document == record.id }) {
            // Stored by an earlier delivery of this job that died before recording the item, maybe
            // before it queued the ingest too: queue it (again) rather than leave it waiting forever.
            try await pipeline.enqueueIngest(record)
        }
        item.document = record.id
        // There before this job, and done: a resubmission after a crash finds this job's own documents.
        item.unchanged = record.createdAt < job.createdAt && (record.status == .indexed || record.status == .needsOCR)
        return item
    }

    /// A path's resolved form, file name and bytes, read inside the index root and within the
    /// upload limit. Its document's source is the path's file URL (what `quarry index` has always
    /// written, so a new version replaces the old). Refusals are ``Unreadable``.
    public func readPath(_ source: String) throws -> (path: String, name: String, data: Data) {
        guard let root else { throw Unreadable(description: "this worker reads no local paths: set index_root") }
        let path: String
        do { path = try root.resolve(source) } catch { throw Unreadable(description: error.description) }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maximumBytes else {
            let limit = maximumBytes >= 1_048_576 ? "\(maximumBytes / 1_048_576) MB" : "\(maximumBytes) bytes"
            throw Unreadable(description: "larger than \(limit), the most a document may be (max_upload_mb)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Unreadable(description: "cannot be read (permissions, or not a regular file)")
        }
        return (path, (path as NSString).lastPathComponent, data)
    }
}
