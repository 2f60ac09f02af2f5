import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryServer
import QuarryWorkflow

/// The back ends the settings select, opened without the model: the data directory and its
/// SQLite database (`quarry.sqlite`), the document store (which keeps index jobs, workflows and
/// runs too), the job queue and, beside the queue, the leader lease. What `quarry scheduler` needs;
/// ``EngineRuntime`` adds the model, the vector index and the engine.
struct Backends: Sendable {
    let directory: DataDirectory
    let database: SQLiteDatabase
    let store: any DocumentStore & IndexJobStore & WorkflowStore & RunStore & CredentialStore & EffectLedger & APIKeyStore
    let queue: any JobQueue
    let lease: any LeaderLease

    static let databaseName = "quarry.sqlite"

    static func open(_ settings: Settings) throws(ConfigurationError) -> Backends {
        let directory = try DataDirectory.prepare(settings.dataDirectory)
        let path = directory.path + "/" + databaseName
        do {
            let database = try SQLiteDatabase(path: path)
            return Backends(directory: directory, database: database, store: try DocumentStores.open(settings, database: database, directory: directory),
                            queue: try JobQueues.open(settings, database: database), lease: try JobQueues.openLease(settings, database: database))
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(key: SettingKey.data.name, origin: path, reason: "cannot open the database: \(error)")
        }
    }

    /// What `/ready` asks of a process that uses only these (`quarry scheduler`).
    var readinessChecks: [any ReadinessCheck] {
        [BackendReadiness(name: "document_store", probe: store), BackendReadiness(name: "queue", probe: queue)]
    }

    /// A scheduler on these back ends (workflows and runs in the store; lease and `run_start` beside the queue).
    func scheduler() -> Scheduler { Scheduler(workflows: store, runs: store, queue: queue, lease: lease) }
}
