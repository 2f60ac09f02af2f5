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

    /// Removes the workflow and its versions; its runs stay readable.
    public func delete(_ id: String, tenant: String) async throws {
        guard try await workflows.deleteWorkflow(id, tenant: tenant) else { throw NotFound("workflow", id: id) }
    }

    /// Starts a run of the workflow's current version. With an idempotency key, the same key
    /// returns the run it started the first time.
    public func run(_ workflowID: String, tenant: String, inputs: JSONValue, idempotencyKey: String?) async throws -> Run {
        let workflow = try await workflow(workflowID, tenant: tenant)
        let id = idempotencyKey.map { Self.runID(tenant: tenant, workflow: workflowID, idempotencyKey: $0) }
        return try await start(workflow, inputs: inputs, id: id)
    }

    public func run(_ id: String, tenant: String) async throws -> Run {
        guard let run = try await runs.run(id, tenant: tenant) else { throw NotFound("run", id: id) }
        return run
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
