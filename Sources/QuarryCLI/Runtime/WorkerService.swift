import Metrics
import QuarryEngine
import ServiceLifecycle
import Synchronization

/// Job workers as a service of a `ServiceGroup` (`quarry worker`, and `quarry serve` on the
/// embedded queue). On graceful shutdown they take no new job, finish the ones running, and give
/// back what they still hold on Redis, so another worker has it at once; after a crash it comes
/// back when the heartbeat runs out (embedded: when the lease does). Each queue's depth goes to the
/// `queue_depth{queue}` gauge every few seconds.
struct WorkerService: Service {
    let workers: [JobWorker]
    var concurrency = 1
    var depthInterval: Duration = .seconds(5)

    func run() async throws {
        let stopping = StoppingFlag()
        let sampler = Task { [workers, depthInterval] in
            while !Task.isCancelled {
                for worker in workers {
                    if let depth = try? await worker.queue.depth(queue: worker.queueName) {
                        Gauge(label: "queue_depth", dimensions: [("queue", worker.queueName)]).record(depth)
                    }
                }
                try? await Task.sleep(for: depthInterval)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for worker in workers {
                group.addTask { await worker.run(concurrency: concurrency, stopping: { stopping.raised }) }
            }
            group.addTask {
                try? await gracefulShutdown()
                stopping.raise()
            }
        }
        sampler.cancel()
        for worker in workers { try? await worker.queue.releaseHeld() }
    }
}

/// Set once, when shutdown begins; read by every worker loop.
final class StoppingFlag: Sendable {
    private let value = Mutex(false)
    func raise() { value.withLock { $0 = true } }
    var raised: Bool { value.withLock { $0 } }
}
