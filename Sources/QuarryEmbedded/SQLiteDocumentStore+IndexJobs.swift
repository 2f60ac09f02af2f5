import Foundation
import QuarryCore

/// Index jobs in the table `index_jobs`: one row each, the items as JSON, the two writers' dates
/// (`started_at` with the items, `canceled_at` alone) in columns of their own. Dates are seconds
/// since Foundation's reference date, which read back exactly (seconds since 1970 may not).
extension SQLiteDocumentStore: IndexJobStore {
    public func createIndexJob(_ job: IndexJob) async throws {
        try database.query(
            "INSERT INTO index_jobs (tenant, id, created_at, started_at, canceled_at, items) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(job.tenant), .text(job.id), .real(job.createdAt.timeIntervalSinceReferenceDate), Self.date(job.startedAt), Self.date(job.canceledAt),
             .text(try Self.json(job.items))]
        )
    }

    public func indexJob(_ id: String, tenant: String) async throws -> IndexJob? {
        try database.query("SELECT \(Self.columns) FROM index_jobs WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)])
            .first.map(Self.indexJob)
    }

    public func indexJobs(tenant: String, limit: Int, offset: Int) async throws -> [IndexJob] {
        try database.query(
            "SELECT \(Self.columns) FROM index_jobs WHERE tenant = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            [.text(tenant), .integer(Int64(limit)), .integer(Int64(offset))]
        ).map(Self.indexJob)
    }

    public func updateIndexJobItems(_ job: IndexJob) async throws {
        try database.query("UPDATE index_jobs SET items = ?, started_at = ? WHERE tenant = ? AND id = ?",
                           [.text(try Self.json(job.items)), Self.date(job.startedAt), .text(job.tenant), .text(job.id)])
    }

    public func indexJobCanceled(_ id: String, tenant: String) async throws -> Bool {
        try database.query("SELECT canceled_at IS NOT NULL FROM index_jobs WHERE tenant = ? AND id = ?", [.text(tenant), .text(id)])
            .first?.first?.integer == 1
    }

    public func cancelIndexJob(_ id: String, tenant: String, at date: Date) async throws -> Bool {
        try !database.query("UPDATE index_jobs SET canceled_at = coalesce(canceled_at, ?) WHERE tenant = ? AND id = ? RETURNING id",
                            [Self.date(date), .text(tenant), .text(id)]).isEmpty
    }

    static let columns = "tenant, id, created_at, started_at, canceled_at, items"

    static func indexJob(_ row: [SQLiteDatabase.Value]) throws -> IndexJob {
        guard row.count == 6, let tenant = row[0].text, let id = row[1].text, let created = row[2].real, let items = row[5].text else {
            throw IndexError.corrupt("an index_jobs row is incomplete")
        }
        return IndexJob(id: id, tenant: tenant, items: try decoder.decode([IndexJob.Item].self, from: Data(items.utf8)),
                        createdAt: Date(timeIntervalSinceReferenceDate: created),
                        startedAt: row[3].real.map(Date.init(timeIntervalSinceReferenceDate:)),
                        canceledAt: row[4].real.map(Date.init(timeIntervalSinceReferenceDate:)))
    }

    static func json(_ items: [IndexJob.Item]) throws -> String { String(decoding: try encoder.encode(items), as: UTF8.self) }

    static func date(_ date: Date?) -> SQLiteDatabase.Value { date.map { .real($0.timeIntervalSinceReferenceDate) } ?? .null }
}
