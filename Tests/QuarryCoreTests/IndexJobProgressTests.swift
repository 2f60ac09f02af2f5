import Foundation
import QuarryCore
import Testing

@Suite("Index job progress")
struct IndexJobProgressTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func record(_ id: String, _ status: Document.Status, pages: Int = 2, chunks: Int = 5, error: String? = nil, at seconds: Double = 10) -> DocumentProgress {
        DocumentProgress(id: id, status: status, error: error, pages: pages, chunks: chunks, updatedAt: start.addingTimeInterval(seconds))
    }

    static func job(_ items: [IndexJob.Item], started: Bool = true, canceled: Bool = false) -> IndexJob {
        IndexJob(id: "j", tenant: "acme", items: items, createdAt: start, startedAt: started ? start : nil,
                 canceledAt: canceled ? start.addingTimeInterval(3) : nil)
    }

    @Test("every item lands in one stage; failures carry their reasons; rate and ETA follow from the finished ones")
    func running() {
        let items = [
            IndexJob.Item(kind: .path, source: "/a.pdf", document: "a"),
            IndexJob.Item(kind: .path, source: "/b.pdf", document: "b"),
            IndexJob.Item(kind: .path, source: "/c.pdf", document: "c"),
            IndexJob.Item(kind: .url, source: "https://example.org/d", error: "the fetch failed: 404"),
            IndexJob.Item(kind: .path, source: "/e.pdf", document: "e", unchanged: true),
            IndexJob.Item(kind: .path, source: "/f.pdf"),
            IndexJob.Item(kind: .path, source: "/g.pdf", document: "gone"),
            IndexJob.Item(kind: .path, source: "/h.pdf", document: "h"),
        ]
        let documents = [
            "a": Self.record("a", .indexed, pages: 3, chunks: 7),
            "b": Self.record("b", .embedding),
            "c": Self.record("c", .failed, error: "the PDF is encrypted"),
            "e": Self.record("e", .indexed),
            "h": Self.record("h", .needsOCR, error: "no text layer"),
        ]
        let progress = IndexJobProgress(job: Self.job(items), documents: documents, now: Self.start.addingTimeInterval(20))
        #expect(progress.status == .running)
        #expect(progress.total == 8)
        #expect(progress.counts == [.pending: 1, .queued: 0, .parsing: 0, .chunking: 0, .embedding: 1, .indexed: 1, .unchanged: 1,
                                    .failed: 2, .needsOCR: 1, .canceled: 0, .removed: 1])
        #expect(progress.pages == 3 && progress.chunks == 7, "only what this job indexed")
        #expect(progress.failures.map(\.reason) == ["the PDF is encrypted", "the fetch failed: 404", "no text layer"])
        #expect(progress.failures.map(\.source) == ["/c.pdf", "https://example.org/d", "/h.pdf"])
        // Worked: a, c, d, h and the removed g = 5 items in 20 s; 2 left (b, f).
        #expect(progress.documentsPerSecond == 0.25)
        #expect(progress.etaSeconds == 8)
        #expect(progress.finishedAt == nil)
    }

    @Test("done when every item is final; finished when its last document was")
    func completed() {
        let items = [IndexJob.Item(kind: .path, source: "/a.pdf", document: "a"), IndexJob.Item(kind: .path, source: "/b.pdf", document: "b")]
        let documents = ["a": Self.record("a", .indexed, at: 4), "b": Self.record("b", .indexed, at: 8)]
        let progress = IndexJobProgress(job: Self.job(items), documents: documents, now: Self.start.addingTimeInterval(100))
        #expect(progress.status == .completed)
        #expect(progress.finishedAt == Self.start.addingTimeInterval(8))
        #expect(progress.documentsPerSecond == 0.25 && progress.pagesPerSecond == 0.5, "over the job's own time, not until now")
        #expect(progress.etaSeconds == nil)
    }

    @Test("queued until a worker starts it; canceled skips what was never submitted")
    func queuedAndCanceled() {
        let items = [IndexJob.Item(kind: .path, source: "/a.pdf"), IndexJob.Item(kind: .path, source: "/b.pdf", document: "b")]
        let queued = IndexJobProgress(job: Self.job(items, started: false), documents: [:])
        #expect(queued.status == .queued && queued.counts[.pending] == 1 && queued.counts[.removed] == 1)
        let canceled = IndexJobProgress(job: Self.job(items, canceled: true), documents: ["b": Self.record("b", .canceled)])
        #expect(canceled.status == .canceled && canceled.counts[.canceled] == 2)
        #expect(canceled.finishedAt == Self.start.addingTimeInterval(3))
        #expect(canceled.documentsPerSecond == nil, "skipping items is no work done")
    }

    @Test("an unchanged scan counts as unchanged, not as a new failure; a new one is a failure")
    func unchangedScan() {
        let items = [IndexJob.Item(kind: .path, source: "/scan.pdf", document: "s", unchanged: true),
                     IndexJob.Item(kind: .path, source: "/scan2.pdf", document: "t")]
        let documents = ["s": Self.record("s", .needsOCR), "t": Self.record("t", .needsOCR)]
        let progress = IndexJobProgress(job: Self.job(items), documents: documents)
        #expect(progress.counts[.unchanged] == 1 && progress.counts[.needsOCR] == 1 && progress.failures.count == 1)
    }

    @Test("two items with the same bytes are one document, counted once")
    func duplicates() {
        let items = [IndexJob.Item(kind: .path, source: "/a.pdf", document: "a"), IndexJob.Item(kind: .path, source: "/copy-of-a.pdf", document: "a")]
        let progress = IndexJobProgress(job: Self.job(items), documents: ["a": Self.record("a", .indexed, pages: 3, chunks: 7)])
        #expect(progress.counts[.indexed] == 1 && progress.counts[.unchanged] == 1 && progress.pages == 3 && progress.chunks == 7)
        #expect(progress.status == .completed)
    }
}
