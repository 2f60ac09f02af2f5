import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

/// What every ``IndexJobStore`` promises, asserted alike against SQLite and MongoDB (SecantusDB);
/// with it, ``DocumentStore/records(_:tenant:)``, which reads an index job's documents.
@Suite("index job store contract")
struct IndexJobStoreContractTests {
    /// Dates in whole milliseconds: what every store keeps exactly.
    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_700_000_000.125 + seconds) }

    static func job(_ id: String, tenant: String = "acme", age: Double = 0) -> IndexJob {
        IndexJob(id: id, tenant: tenant, items: [
            IndexJob.Item(kind: .path, source: "/corpus/ünïcode \"quoted\".pdf"),
            IndexJob.Item(kind: .url, source: "https://example.org/a?b=c&d=$e"),
        ], createdAt: date(age))
    }

    @Test("jobs round-trip, list newest first and stay within their tenant", arguments: StoreBackend.allCases)
    func jobs(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        for (index, id) in ["j1", "j2", "j3"].enumerated() { try await store.createIndexJob(Self.job(id, age: Double(index))) }
        try await store.createIndexJob(Self.job("j9", tenant: "globex"))
        #expect(try await store.indexJob("j2", tenant: "acme") == Self.job("j2", age: 1))
        #expect(try await store.indexJob("j9", tenant: "acme") == nil)
        #expect(try await store.indexJobs(tenant: "acme", limit: 2, offset: 0).map(\.id) == ["j3", "j2"])
        #expect(try await store.indexJobs(tenant: "acme", limit: 2, offset: 2).map(\.id) == ["j1"])
        #expect(try await store.indexJobs(tenant: "globex", limit: 10, offset: 0).map(\.id) == ["j9"])
    }

    @Test("the submitter's progress and a cancel write their own fields: neither undoes the other", arguments: StoreBackend.allCases)
    func separateWriters(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        var job = Self.job("j1")
        try await store.createIndexJob(job)
        #expect(try await store.indexJobCanceled("j1", tenant: "acme") == false)
        // The submitter read the job before the cancel landed; its next progress write must keep the cancel.
        #expect(try await store.cancelIndexJob("j1", tenant: "acme", at: Self.date(5)))
        #expect(try await store.indexJobCanceled("j1", tenant: "acme"))
        #expect(try await store.indexJobCanceled("j1", tenant: "globex") == false)
        #expect(try await store.indexJobCanceled("nope", tenant: "acme") == false)
        job.startedAt = Self.date(1)
        job.items[0].document = "d1"
        job.items[1].error = "the fetch failed: 404"
        try await store.updateIndexJobItems(job)
        let stored = try #require(try await store.indexJob("j1", tenant: "acme"))
        #expect(stored.items == job.items && stored.startedAt == Self.date(1))
        #expect(stored.canceledAt == Self.date(5))
        // Canceling again keeps the first time; another tenant's cancel finds nothing.
        #expect(try await store.cancelIndexJob("j1", tenant: "acme", at: Self.date(9)))
        #expect(try await store.indexJob("j1", tenant: "acme")?.canceledAt == Self.date(5))
        #expect(try await store.cancelIndexJob("j1", tenant: "globex", at: Self.date(9)) == false)
        #expect(try await store.cancelIndexJob("nope", tenant: "acme", at: Self.date(9)) == false)
    }

    @Test("records by id: those that exist, in the caller's tenant only", arguments: StoreBackend.allCases)
    func recordsByID(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        for id in ["d1", "d2"] { try await store.save(DocumentStoreContractTests.record(id)) }
        try await store.save(DocumentStoreContractTests.record("d3", tenant: "globex"))
        #expect(try await store.records(["d2", "d1", "missing", "d3"], tenant: "acme").map(\.id).sorted() == ["d1", "d2"])
        #expect(try await store.records([], tenant: "acme").isEmpty)
    }
}
