import Foundation
import QuarryCore

/// Takes jobs from one queue and runs them, one at a time: complete on success, fail (retry or
/// dead letter) on error. A running job's lease is renewed every third of its length, so a job
/// is handed to another worker soon after its worker dies, and never while it is alive.
public struct JobWorker: Sendable {
    public let queue: any JobQueue
    public let queueName: String
    public let handle: @Sendable (LeasedJob) async throws -> Void
    /// How long after its worker's last heartbeat a job may go to another worker.
    public var lease: Duration = .seconds(30)

    public init(queue: any JobQueue, queueName: String, handle: @escaping @Sendable (LeasedJob) async throws -> Void) {
        self.queue = queue
        self.queueName = queueName
        self.handle = handle
    }

    /// Runs the next due job; false when there was none.
    @discardableResult
    public func runOne() async throws -> Bool {
        guard let job = try await queue.dequeue(queue: queueName, lease: lease) else { return false }
        let heartbeat = Task { [queue, lease] in
            while !Task.isCancelled {
                try? await Task.sleep(for: lease / 3)
                if !Task.isCancelled { try? await queue.extend(job, lease: lease) }
            }
        }
        defer { heartbeat.cancel() }
        do {
            try await handle(job)
            heartbeat.cancel()
            try await queue.complete(job)
        } catch {
            heartbeat.cancel()
            try await queue.fail(job, error: "\(error)")
        }
        return true
    }

    /// Runs jobs until cancelled, polling every `interval` when the queue is empty.
    public func run(polling interval: Duration = .milliseconds(500)) async {
        while !Task.isCancelled {
            let worked = (try? await runOne()) ?? false
            if !worked { try? await Task.sleep(for: interval) }
        }
    }
}
