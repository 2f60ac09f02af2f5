import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryEngine
import QuarryTestSupport
import Testing

/// Bulk index jobs on the embedded store and queue: creating (paths checked and expanded),
/// submitting on a worker (at least once, in time-boxed runs), canceling, giving up.
@Suite("index jobs")
struct IndexJobsTests {
    /// URLs are fetched by QuarryHTTP's URLFetcher, tested against a live origin in the server's
    /// tests; here every URL answers that it cannot be had.
    struct Setup {
        let jobs: IndexJobs
        let store: SQLiteDocumentStore
        let queue: SQLiteJobQueue
        let index: EmbeddedVectorIndex
        let files: URL
        var worker: JobWorker { JobWorker(queue: queue, queueName: IngestPipeline.queueName, actors: jobs.actors) }

        /// Runs jobs until none is due.
        func drain() async throws {
            while try await worker.runOne() {}
        }

        func progress(_ job: IndexJob) async throws -> IndexJobProgress {
            try await jobs.progress(of: try #require(try await store.indexJob(job.id, tenant: job.tenant)))
        }
    }

    static func temporary(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A root with `files` (name → text) written into it.
    static func setup(_ files: [String: String], root: Bool = true, maximumBytes: Int = 1_000_000,
                      configure: (inout IndexJobs) -> Void = { _ in }) throws -> Setup {
        let (pipeline, index, store, queue) = try IngestPipelineTests.pipeline()
        let folder = try temporary("root")
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        var jobs = IndexJobs(store: store, pipeline: pipeline, root: root ? IndexRoot(folder.path) : nil, maximumBytes: maximumBytes)
        configure(&jobs)
        return Setup(jobs: jobs, store: store, queue: queue, index: index, files: folder)
    }

    static let text = "Tide tables list high water for every harbour along the coast."

    @Test("folders expand recursively to their documents, sorted, each file once")
    func expansion() async throws {
        let setup = try Self.setup(["a.txt": Self.text, "sub/b.html": "<p>\(Self.text)</p>", "sub/deeper/c.pdf": "%PDF-", "sub/image.png": "x"])
        let root = setup.files.resolvingSymlinksInPath().path
        let job = try await setup.jobs.create(paths: [root, "a.txt", "sub"], urls: ["https://example.org/tides"], tenant: "acme")
        #expect(job.items.map(\.source) == ["\(root)/a.txt", "\(root)/sub/b.html", "\(root)/sub/deeper/c.pdf", "https://example.org/tides"])
        #expect(job.items.map(\.kind) == [.path, .path, .path, .url])
        #expect(try await setup.store.indexJob(job.id, tenant: "acme") == job)
        #expect(try await setup.queue.depth(queue: IngestPipeline.queueName) == 1, "one job submits the items")
    }

    @Test("paths outside the root, missing paths, empty folders, bad URLs and too many items are refused before anything is stored")
    func refusals() async throws {
        var setup = try Self.setup(["a.txt": Self.text, "empty/readme.md": "not a document"]) { $0.maximumItems = 2 }
        let outside = try Self.temporary("outside")
        try Self.text.write(to: outside.appendingPathComponent("secret.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: setup.files.appendingPathComponent("link.txt"), withDestinationURL: outside.appendingPathComponent("secret.txt"))
        try FileManager.default.createSymbolicLink(at: setup.files.appendingPathComponent("linked"), withDestinationURL: outside)

        func refusal(paths: [String] = [], urls: [String] = []) async -> IndexJobs.Refusal? {
            do { _ = try await setup.jobs.create(paths: paths, urls: urls, tenant: "acme") } catch let refusal as IndexJobs.Refusal { return refusal } catch { return nil }
            return nil
        }
        #expect(await refusal() == .empty)
        #expect(await refusal(paths: [outside.path]) == .path(.outside(outside.path), index: 0))
        #expect(await refusal(paths: ["../\(outside.lastPathComponent)/secret.txt"]) == .path(.outside("../\(outside.lastPathComponent)/secret.txt"), index: 0))
        #expect(await refusal(paths: ["link.txt"]) == .path(.outside("link.txt"), index: 0), "a link is judged by where it leads")
        #expect(await refusal(paths: ["a.txt", "linked"]) == .path(.outside("linked"), index: 1), "the refused entry's place is named")
        #expect(await refusal(paths: ["nope.pdf"]) == .path(.missing("nope.pdf"), index: 0))
        let absent = "../\(outside.lastPathComponent)/absent.txt"
        #expect(await refusal(paths: [absent]) == .path(.outside(absent), index: 0), "outside, whether there or not: nothing is told of what lies beyond")
        #expect(await refusal(paths: ["empty"]) == .noDocuments("empty", index: 0))
        for url in ["ftp://example.org/a.pdf", "file:///etc/passwd", "example.org/a.pdf", "https://"] {
            #expect(await refusal(urls: ["https://example.org/fine.pdf", url]) == .url(url, index: 1), "\(url)")
        }
        #expect(await refusal(paths: ["a.txt"], urls: ["https://example.org/1", "https://example.org/2"]) == .tooMany(limit: 2))
        setup = try Self.setup(["a.txt": Self.text], root: false)
        #expect(await refusal(paths: ["a.txt"]) == .pathsDisabled)
        #expect(try await setup.store.indexJobs(tenant: "acme", limit: 10, offset: 0).isEmpty)
    }

    @Test("a worker submits every item and the job completes; unreadable items fail with their reasons, the rest go on")
    func runs() async throws {
        let big = String(repeating: "tide ", count: 400)
        let setup = try Self.setup(["a.txt": Self.text, "b.txt": "Moon phases drive spring and neap tides.", "empty.txt": "", "big.txt": big,
                                    "gone.txt": Self.text + " (deleted before its turn)"], maximumBytes: 1000)
        let job = try await setup.jobs.create(paths: ["."], urls: ["https://example.org/tides"], tenant: "acme")
        #expect(try await setup.progress(job).status == .queued)
        try FileManager.default.removeItem(at: setup.files.appendingPathComponent("gone.txt"))
        try await setup.drain()

        let progress = try await setup.progress(job)
        #expect(progress.status == .completed)
        #expect(progress.counts[.indexed] == 2 && progress.counts[.failed] == 4)
        let reasons = Dictionary(uniqueKeysWithValues: progress.failures.map { (($0.source as NSString).lastPathComponent, $0.reason) })
        #expect(reasons["empty.txt"] == "the file is empty")
        #expect(reasons["big.txt"] == "larger than 1000 bytes, the most a document may be (max_upload_mb)")
        #expect(reasons["gone.txt"]?.contains("no such file") == true, "\(reasons)")
        #expect(reasons["tides"] == DocumentFetchError.failed(NoNetwork.reason).description)
        #expect(progress.documentsPerSecond != nil && progress.finishedAt != nil)
        #expect(try await setup.index.count(tenant: "acme") == 2)
    }

    @Test("a submitting job past its time budget hands over to a fresh message; the job still completes, each document once")
    func budget() async throws {
        let names = (0..<4).map { "report-\($0).txt" }
        let setup = try Self.setup(Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, "Report \($0): \(Self.text)") })) { $0.submitBudget = .zero }
        let job = try await setup.jobs.create(paths: ["."], urls: [], tenant: "acme")
        // Each run submits one item, then hands over: one ingest job and the next submitting one.
        #expect(try await setup.worker.runOne())
        #expect(try await setup.store.indexJob(job.id, tenant: "acme")?.items.filter(\.isSettled).count == 1)
        #expect(try await setup.queue.depth(queue: IngestPipeline.queueName) == 2)
        try await setup.drain()
        let progress = try await setup.progress(job)
        #expect(progress.status == .completed && progress.counts[.indexed] == 4)
        #expect(try await setup.store.records(tenant: "acme", limit: 10, offset: 0).count == 4)
        #expect(try await setup.queue.deadLetters(queue: IngestPipeline.queueName).isEmpty)
    }

    @Test("a submitting job delivered twice queues each document once")
    func redelivered() async throws {
        let setup = try Self.setup(["a.txt": Self.text, "b.txt": "Moon phases drive spring and neap tides."])
        _ = try await setup.jobs.create(paths: ["."], urls: [], tenant: "acme")
        let leased = try #require(try await setup.queue.dequeue(queue: IngestPipeline.queueName, lease: .seconds(60)))
        let actor = try #require(setup.jobs.actors[IndexJobs.submitJobName])
        try await actor(leased)
        try await actor(leased)
        try await setup.queue.complete(leased)
        #expect(try await setup.queue.depth(queue: IngestPipeline.queueName) == 2)
    }

    @Test("a submitting job that died between storing a document and queueing its ingest: redelivered, it queues the ingest")
    func diedBeforeQueueing() async throws {
        let setup = try Self.setup(["a.txt": Self.text])
        let job = try await setup.jobs.create(paths: ["."], urls: [], tenant: "acme")
        // What the first delivery did before it was killed: the record and the bytes, no ingest job.
        let data = Data(Self.text.utf8)
        let path = job.items[0].source
        let record = DocumentRecord(id: ContentHash.sha256(data), tenant: "acme",
                                    source: Document.Source(uri: URL(fileURLWithPath: path).absoluteString, filename: "a.txt", mediaType: .plainText))
        try await setup.store.saveBytes(data, document: record.id, tenant: "acme")
        try await setup.store.save(record)
        try await setup.drain()
        let progress = try await setup.progress(job)
        #expect(progress.status == .completed && progress.counts[.indexed] == 1, "\(progress.counts)")
    }

    @Test("cancel: waiting documents end canceled and are never indexed; a later job indexes them after all")
    func cancel() async throws {
        let setup = try Self.setup(["a.txt": Self.text, "b.txt": "Moon phases drive spring and neap tides.", "c.txt": "Currents turn with the tide."])
        let job = try await setup.jobs.create(paths: ["."], urls: [], tenant: "acme")
        #expect(try await setup.worker.runOne())  // the items are submitted, their documents wait
        let canceled = try await setup.jobs.cancel(job.id, tenant: "acme")
        #expect(canceled.canceledAt != nil)
        await #expect(throws: NotFound("index job", id: job.id)) { try await setup.jobs.cancel(job.id, tenant: "globex") }
        try await setup.drain()
        let progress = try await setup.progress(job)
        #expect(progress.status == .canceled && progress.counts[.canceled] == 3 && progress.counts[.indexed] == 0)
        #expect(try await setup.index.count(tenant: "acme") == 0)

        let again = try await setup.jobs.create(paths: ["."], urls: [], tenant: "acme")
        try await setup.drain()
        let redone = try await setup.progress(again)
        #expect(redone.status == .completed && redone.counts[.indexed] == 3)
        await #expect(throws: IndexJobs.AlreadyCompleted(id: again.id)) { try await setup.jobs.cancel(again.id, tenant: "acme") }
        #expect(try await setup.index.count(tenant: "acme") == 3)
    }

    @Test("a job canceled before any worker took it submits nothing")
    func canceledBeforeStart() async throws {
        let setup = try Self.setup(["a.txt": Self.text])
        let job = try await setup.jobs.create(paths: ["."], urls: [], tenant: "acme")
        _ = try await setup.jobs.cancel(job.id, tenant: "acme")
        try await setup.drain()
        #expect(try await setup.store.records(tenant: "acme", limit: 10, offset: 0).isEmpty)
        #expect(try await setup.progress(job).counts[.canceled] == 1)
    }

    @Test("on its last attempt, a submitting job that cannot store says why on every item it never submitted")
    func givesUp() async throws {
        let setup = try Self.setup(["a.txt": Self.text, "b.txt": "Moon phases drive spring and neap tides."])
        let job = try await setup.jobs.create(paths: ["."], urls: [], tenant: "acme")
        // The files folder becomes a file: storing any document's bytes now fails.
        let files = setup.store.files
        try FileManager.default.removeItem(at: files)
        try Data("in the way".utf8).write(to: files)
        let leased = try #require(try await setup.queue.dequeue(queue: IngestPipeline.queueName, lease: .seconds(60)))
        let actor = try #require(setup.jobs.actors[IndexJobs.submitJobName])
        var last = leased
        last.attempt = leased.maxAttempts
        await #expect(throws: (any Error).self) { try await actor(leased) }
        #expect(try await setup.store.indexJob(job.id, tenant: "acme")?.items.allSatisfy { !$0.isSettled } == true, "not the last attempt: retried")
        await #expect(throws: (any Error).self) { try await actor(last) }
        let items = try #require(try await setup.store.indexJob(job.id, tenant: "acme")?.items)
        #expect(items.allSatisfy { $0.error?.hasPrefix("not submitted: gave up after \(leased.maxAttempts) attempts") == true }, "\(items)")
        #expect(try await setup.progress(job).status == .completed)
    }
}
