import Foundation

/// Where bulk index jobs are kept, beside the documents they make: SQLite (QuarryEmbedded) or
/// MongoDB's `index_jobs` (QuarryMongo). Every call is scoped to a tenant.
public protocol IndexJobStore: Sendable {
    func createIndexJob(_ job: IndexJob) async throws
    func indexJob(_ id: String, tenant: String) async throws -> IndexJob?
    /// The tenant's jobs, newest first, `limit` of them after `offset`.
    func indexJobs(tenant: String, limit: Int, offset: Int) async throws -> [IndexJob]
    /// Writes the job's `items` and `startedAt` and nothing else (the submitting job's progress).
    func updateIndexJobItems(_ job: IndexJob) async throws
    /// Whether the job is canceled, read without its items (the submitting job asks every second,
    /// and a job may hold 100,000 items); false when there is no such job.
    func indexJobCanceled(_ id: String, tenant: String) async throws -> Bool
    /// Sets `canceledAt` unless the job is canceled already; false when there is no such job.
    func cancelIndexJob(_ id: String, tenant: String, at date: Date) async throws -> Bool
}
