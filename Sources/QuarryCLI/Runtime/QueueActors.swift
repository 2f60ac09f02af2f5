import QuarryCore
import QuarryEngine
import QuarryWorkflow

/// Which actors run on which queue (Docs/QUEUES.md): the one table `serve`, `worker` and `index`
/// build their workers from. `ingest`: the ingest pipeline's and index jobs' actors (and, with
/// workflows' ingest nodes, theirs); `default`: `run_start` and the light nodes (trigger,
/// transform, condition); `ai`: `rag_query` nodes; `actions`: `http_request` nodes (and the
/// connectors to come).
enum QueueActors {
    /// The queues that have actors.
    static let queues = [IngestPipeline.queueName, WorkflowEngine.runStartQueue, "ai", "actions"]

    /// Each queue's actors, by name.
    static func table(_ runtime: EngineRuntime) -> [String: [String: JobWorker.Actor]] {
        var table = runtime.workflows.actors
        table[IngestPipeline.queueName, default: [:]].merge(runtime.indexJobs.actors) { ingest, _ in ingest }
        return table
    }
}

extension EngineRuntime {
    /// A worker for each of `queues` (each in ``QueueActors/queues``) on `queue`, the runtime's
    /// own queue unless given (a prefetching one for `quarry worker`).
    func workers(on queues: [String], queue: (any JobQueue)? = nil) -> [JobWorker] {
        let table = QueueActors.table(self)
        return queues.map { name in JobWorker(queue: queue ?? self.queue, queueName: name, actors: table[name] ?? [:]) }
    }
}
