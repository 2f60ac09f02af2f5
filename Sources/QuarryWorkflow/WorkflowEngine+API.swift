import Crypto
import Foundation
import QuarryCore

/// The tenant already has a workflow with this id.
public struct WorkflowExists: Error, Equatable, CustomStringConvertible {
    public let id: String
    public var description: String { "a workflow named \(id.prefix(200)) exists; change it with PUT, or choose another id" }
}

/// A change made over a version that is no longer the current one.
public struct VersionConflict: Error, Equatable, CustomStringConvertible {
    public let id: String
    public let given: Int
    public let current: Int
    public var description: String { "workflow \(id.prefix(200)) is at version \(current), not \(given): read it again and redo the change" }
}

/// A run that cannot take what was asked of it in its state (cancel a finished run, rerun one that runs).
public struct RunStateConflict: Error, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

// What the API asks of workflows and runs, every call scoped to a tenant.
extension WorkflowEngine {
    /// Stores version 1 of a checked workflow.
    public func create(_ workflow: Workflow) async throws -> Workflow {
        var workflow = workflow
        workflow.version = 1
        workflow.createdAt = now()
        workflow.updatedAt = workflow.createdAt
        try check(workflow)
        guard try await workflows.createWorkflow(workflow) else { throw WorkflowExists(id: workflow.id) }
        return workflow
    }

    /// Stores a new version; with `over`, only if that is still the current version.
    public func update(_ workflow: Workflow, over version: Int?) async throws -> Workflow {
        try check(workflow)
        for _ in 0..<20 {
            guard let current = try await workflows.workflow(workflow.id, version: nil, tenant: workflow.tenant) else {
                throw NotFound("workflow", id: workflow.id)
            }
            if let version, version != current.version { throw VersionConflict(id: workflow.id, given: version, current: current.version) }
            var next = workflow
            next.version = current.version + 1
            next.createdAt = current.createdAt
            next.updatedAt = now()
            if try await workflows.updateWorkflow(next) { return next }
            if version != nil { throw VersionConflict(id: workflow.id, given: version ?? 0, current: current.version + 1) }
        }
        throw VersionConflict(id: workflow.id, given: version ?? 0, current: 0)
    }

    public func workflow(_ id: String, version: Int? = nil, tenant: String) async throws -> Workflow {
        guard let workflow = try await workflows.workflow(id, version: version, tenant: tenant) else {
            throw NotFound(version.map { "version \($0) of workflow" } ?? "workflow", id: id)
        }
        return workflow
    }

    public func workflows(tenant: String, limit: Int, offset: Int) async throws -> [Workflow] {
        try await workflows.workflows(tenant: tenant, limit: limit, offset: offset)
    }

    /// Every version, newest first, paged.
    public func versions(of id: String, tenant: String, limit: Int, offset: Int) async throws -> [Workflow] {
        let current = try await workflow(id, tenant: tenant)
        let newest = current.version - offset
        guard newest >= 1 else { return [] }
        var versions: [Workflow] = []
        for number in stride(from: newest, through: max(newest - limit + 1, 1), by: -1) {
            if let version = try await workflows.workflow(id, version: number, tenant: tenant) { versions.append(version) }
        }
        return versions
    }

    /// Removes the workflow and its versions; its runs stay readable, and those not ended are
    /// canceled, saying why (a worker keeps the versions it read, so they would not stop of
    /// themselves).
    public func delete(_ id: String, tenant: String) async throws {
        guard try await workflows.deleteWorkflow(id, tenant: tenant) else { throw NotFound("workflow", id: id) }
        for status in [Run.Status.queued, .running] {
            // Each run canceled leaves the status, so the first page is always the next.
            while case let page = try await runs.runs(tenant: tenant, workflow: id, status: status, limit: 100, offset: 0), !page.isEmpty {
                for run in page {
                    do {
                        _ = try await cancel(run.id, tenant: tenant, because: "its workflow was deleted")
                    } catch is RunStateConflict {
                        // It ended meanwhile.
                    }
                }
            }
        }
    }

    /// Gives the workflow a new webhook secret (the old one stops working) and returns it: the
    /// only time it is told, since only its digest is kept.
    public func newHookSecret(_ id: String, tenant: String) async throws -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let secret = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        guard try await workflows.setWorkflowHook(id, tenant: tenant, digest: Self.hookDigest(secret)) else { throw NotFound("workflow", id: id) }
        return secret
    }

    /// Takes the workflow's webhook away.
    public func deleteHook(_ id: String, tenant: String) async throws {
        guard try await workflows.setWorkflowHook(id, tenant: tenant, digest: nil) else { throw NotFound("workflow", id: id) }
    }

    /// Starts a run of the workflow whose webhook `secret` is, with `body` as the trigger's
    /// output. A wrong secret, or one of another workflow, is the same ``NotFound`` as a workflow
    /// that does not exist: the caller learns nothing of what exists.
    public func runHook(workflow workflowID: String, secret: String, body: JSONValue, idempotencyKey: String?) async throws -> Run {
        guard secret.count <= 100, let hook = try await workflows.workflowHook(digest: Self.hookDigest(secret)), hook.workflow == workflowID else {
            throw NotFound("webhook", id: workflowID)
        }
        return try await run(hook.workflow, tenant: hook.tenant, inputs: body, idempotencyKey: idempotencyKey.map { "hook:" + $0 })
    }

    static func hookDigest(_ secret: String) -> String { Hex.encode(SHA256.hash(data: Data(secret.utf8))) }

    /// Starts a run of the workflow's current version. With an idempotency key, the same key
    /// returns the run it started the first time.
    public func run(_ workflowID: String, tenant: String, inputs: JSONValue, idempotencyKey: String?) async throws -> Run {
        let workflow = try await workflow(workflowID, tenant: tenant)
        let id = idempotencyKey.map { Self.runID(tenant: tenant, workflow: workflowID, idempotencyKey: $0) }
        return try await start(workflow, inputs: inputs, id: id)
    }

    /// Where a rerun begins.
    public enum RerunStart: String, Sendable, CaseIterable {
        /// Every node runs again.
        case start
        /// Nodes that succeeded keep their outputs; the failed, canceled and skipped ones run.
        case failed
    }

    /// Which version a rerun runs.
    public enum RerunVersion: String, Sendable, CaseIterable {
        /// The version the first run ran.
        case pinned
        /// The workflow's current version (a fix saved since); nodes it changed run again.
        case latest
    }

    /// Starts a new run with the inputs of run `id`, which must have ended; from its failed nodes,
    /// it must not have succeeded.
    public func rerun(_ id: String, tenant: String, from beginning: RerunStart, version: RerunVersion) async throws -> Run {
        let previous = try await run(id, tenant: tenant)
        guard previous.status.isFinished else {
            throw RunStateConflict(reason: "run \(id) is \(previous.status.rawValue); cancel it or wait for its end before rerunning it")
        }
        if beginning == .failed, previous.status == .succeeded {
            throw RunStateConflict(reason: "run \(id) succeeded: no node failed; rerun it from the start instead")
        }
        let ran = try await workflow(previous.workflowId, version: previous.workflowVersion, tenant: tenant)
        let target = version == .pinned ? ran : try await workflow(previous.workflowId, tenant: tenant)
        let newID = "run-" + UUID().uuidString.lowercased()
        var rerun = Run(id: newID, workflow: target, inputs: previous.inputs, createdAt: now())
        if beginning == .failed { rerun = Run(id: newID, rerunning: previous, ran: ran, on: target, createdAt: now()) }
        rerun.rerunOf = previous.id
        return try await start(rerun)
    }

    public func run(_ id: String, tenant: String) async throws -> Run {
        guard let run = try await runs.run(id, tenant: tenant) else { throw NotFound("run", id: id) }
        return run
    }

    /// What `node` of the run produced, read back when it is kept apart from the run;
    /// ``NotFound`` for a node that has no output (yet).
    public func nodeOutput(run id: String, node: String, tenant: String) async throws -> JSONValue {
        guard let state = try await run(id, tenant: tenant).nodes[node] else { throw NotFound("node", id: node) }
        guard let output = try await output(of: state, tenant: tenant) else { throw NotFound("output of node", id: node) }
        return output
    }

    public func runs(tenant: String, workflow: String?, status: Run.Status?, limit: Int, offset: Int) async throws -> [Run] {
        try await runs.runs(tenant: tenant, workflow: workflow, status: status, limit: limit, offset: offset)
    }

    /// The run's log after the line `after`, oldest first.
    public func logs(of id: String, tenant: String, after: String?, limit: Int) async throws -> [RunLog] {
        _ = try await run(id, tenant: tenant)
        return try await runs.runLogs(run: id, tenant: tenant, after: after, limit: limit)
    }
}
