import QuarryCore
import QuarryEngine

/// Which actors run on which queue (Docs/QUEUES.md): the one table `serve`, `worker` and `index`
/// build their workers from.
enum QueueActors {
    /// Each queue with the actors the engine runs on it.
    static let table: [(queue: String, actors: @Sendable (EngineRuntime) -> [String: JobWorker.Actor])] = [
        (IngestPipeline.queueName, { $0.indexJobs.actors }),
    ]

    /// The queues that have actors.
    static var queues: [String] { table.map(\.queue) }
}

extension EngineRuntime {
    /// A worker for each of `queues` (each in ``QueueActors/queues``) on `queue`, the runtime's
    /// own queue unless given (a prefetching one for `quarry worker`).
    func workers(on queues: [String], queue: (any JobQueue)? = nil) -> [JobWorker] {
        queues.map { name in
            let actors = QueueActors.table.first { $0.queue == name }?.actors(self) ?? [:]
            return JobWorker(queue: queue ?? self.queue, queueName: name, actors: actors)
        }
    }
}
