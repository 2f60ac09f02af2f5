import QuarryCore
import Synchronization

/// The workflow versions an engine has read. A version never changes once saved, so a worker reads
/// each once rather than with every message of every run on it (a 1,000-node workflow takes
/// longer to decode than its node takes to run); the engine still asks the store whether the
/// version is there, so a deleted workflow's runs end as before. At most `capacity` versions,
/// the one read longest ago dropped first.
final class PinnedWorkflows: Sendable {
    private struct Key: Hashable {
        let tenant: String
        let id: String
        let version: Int
    }

    private struct Kept {
        var workflows: [Key: Workflow] = [:]
        var order: [Key] = []
    }

    private let kept = Mutex(Kept())
    let capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    subscript(tenant: String, id: String, version: Int) -> Workflow? {
        kept.withLock { $0.workflows[Key(tenant: tenant, id: id, version: version)] }
    }

    func keep(_ workflow: Workflow) {
        let key = Key(tenant: workflow.tenant, id: workflow.id, version: workflow.version)
        kept.withLock { kept in
            guard kept.workflows.updateValue(workflow, forKey: key) == nil else { return }
            kept.order.append(key)
            if kept.order.count > capacity { kept.workflows[kept.order.removeFirst()] = nil }
        }
    }
}
