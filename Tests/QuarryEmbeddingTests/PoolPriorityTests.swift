import CKernels
import Foundation
import Synchronization
import Testing

/// The kernel pool serves questions ahead of background work (an ingest batch's steps).
@Suite("kernel pool priority")
struct PoolPriorityTests {
    /// What the tasks below record: background runs started, and how many had started when the
    /// urgent run began.
    final class Record: @unchecked Sendable {
        let backgroundStarted = Atomic<Int>(0)
        let backgroundRunning = Atomic<Int>(0)
        let overlapped = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
    }

    @Test("a question waits for at most the one background step that holds the workers, and none runs beside it")
    func urgentFirst() throws {
        guard let pool = quarry_pool_create(2) else { throw CancellationError() }
        defer { quarry_pool_destroy(pool) }
        let record = Record()
        let shared = UnsafeSendablePool(pool)
        // Background steps of 3 ms each, back to back, from a thread of their own.
        let finished = DispatchSemaphore(value: 0)
        let background = Thread {
            defer { finished.signal() }
            let context = Unmanaged.passUnretained(record).toOpaque()
            while !record.stop.load(ordering: .acquiring) {
                quarry_pool_run_background(shared.pool, { context, worker in
                    let record = Unmanaged<Record>.fromOpaque(context!).takeUnretainedValue()
                    if worker == 0 {
                        record.backgroundStarted.add(1, ordering: .sequentiallyConsistent)
                        record.backgroundRunning.store(1, ordering: .sequentiallyConsistent)
                    }
                    usleep(3000)
                    if worker == 0 { record.backgroundRunning.store(0, ordering: .sequentiallyConsistent) }
                }, context)
            }
        }
        background.start()
        while record.backgroundStarted.load(ordering: .acquiring) < 3 { usleep(500) }

        var waited: [Int] = []
        for _ in 0..<20 {
            let before = record.backgroundStarted.load(ordering: .sequentiallyConsistent)
            var startedWhenRun = 0
            withUnsafeMutablePointer(to: &startedWhenRun) { started in
                let state = (record, started)
                withUnsafePointer(to: state) { state in
                    quarry_pool_run(pool, { context, worker in
                        let (record, started) = context!.assumingMemoryBound(to: (Record, UnsafeMutablePointer<Int>).self).pointee
                        if record.backgroundRunning.load(ordering: .sequentiallyConsistent) != 0 { record.overlapped.add(1, ordering: .relaxed) }
                        if worker == 0 { started.pointee = record.backgroundStarted.load(ordering: .sequentiallyConsistent) }
                    }, UnsafeMutableRawPointer(mutating: state))
                }
            }
            waited.append(startedWhenRun - before)
            usleep(5000)  // past the grace: background work resumes
        }
        record.stop.store(true, ordering: .releasing)
        finished.wait()  // the pool outlives the background thread's last run
        #expect(waited.allSatisfy { $0 <= 1 }, "background steps started while a question waited: \(waited)")
        #expect(record.overlapped.load(ordering: .relaxed) == 0, "a background step ran beside a question's")
        #expect(record.backgroundStarted.load(ordering: .relaxed) > 20, "background work never resumed between questions")
    }

    @Test("two callers at once each get every worker's share done, whichever path they take")
    func concurrentUrgent() async throws {
        guard let pool = quarry_pool_create(2) else { throw CancellationError() }
        defer { quarry_pool_destroy(pool) }
        let pointer = UnsafeSendablePool(pool)
        let sums = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var total = 0
                    for _ in 0..<500 {
                        let shares = Shares()
                        let context = Unmanaged.passUnretained(shares).toOpaque()
                        quarry_pool_run(pointer.pool, { context, worker in
                            Unmanaged<Shares>.fromOpaque(context!).takeUnretainedValue().value.add(1 << (8 * Int(worker)), ordering: .relaxed)
                        }, context)
                        withExtendedLifetime(shares) {}
                        total += shares.value.load(ordering: .relaxed) == 0x101 ? 1 : 0
                    }
                    return total
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sums == [500, 500, 500, 500], "a run lost or repeated a worker's share")
    }
}

final class Shares: @unchecked Sendable { let value = Atomic<Int>(0) }

struct UnsafeSendablePool: @unchecked Sendable {
    let pool: OpaquePointer
    init(_ pool: OpaquePointer) { self.pool = pool }
}
