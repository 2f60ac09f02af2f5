import Foundation
import QuarryCore

/// Sub-workflows (`sub_workflow` nodes): a node starts a run of another workflow of its tenant
/// and waits, holding no worker, until that child run ends; the child's end is the node's.
///
/// Durability, as for nodes: the child's id is made of the parent run, node and attempt, so an
/// attempt run twice starts one child. The write that ends the child also marks it
/// ``Run/parentPending``; the parent is then told by a `run_child_ended` message (id
/// `child:ended`) and the mark cleared. A worker that dies in between leaves the mark, and the
/// redelivery of the message that ended the child sends the news again. The parent takes it
/// once: only while its node's attempt still waits for that child.
extension WorkflowEngine {
    /// Deepest nesting of sub-workflows: a workflow that starts itself stops here, failing its node.
    public static let maximumDepth = 8

    /// The id of the run that `node`'s `attempt` of `run` starts.
    static func childRunID(of run: String, node: String, attempt: Int) -> String { id("run-", madeOf: [run, node, String(attempt)]) }

    /// Starts the child run that `node`'s `attempt` asks for, then writes that the node waits for
    /// it. A workflow that does not exist, or nesting too deep, fails the node at once.
    func startChild(of run: Run, node: Workflow.Node, _ running: RunningAttempt, workflowID: String, inputs: JSONValue, workflow: Workflow,
                    at time: Date) async throws -> RunStep? {
        let attempt = running.number
        let depth = (run.parent?.depth ?? 0) + 1
        let childWorkflow = depth > Self.maximumDepth ? nil : try await workflows.workflow(workflowID, version: nil, tenant: run.tenant)
        guard let childWorkflow else {
            let refusal = depth > Self.maximumDepth
                ? "sub-workflows nest at most \(Self.maximumDepth) deep; this one would be \(depth) (does a workflow start itself?)"
                : "there is no workflow '\(workflowID)'"
            return try await failed(running, of: run, refusal, retryable: false, workflow: workflow, at: time)
        }
        var child = Run(id: Self.childRunID(of: run.id, node: node.id, attempt: attempt), workflow: childWorkflow, inputs: inputs, createdAt: now())
        child.parent = Run.Parent(run: run.id, node: node.id, attempt: attempt, depth: depth)
        child = try await start(child, keyed: true)
        return try await end(running, of: run, { $0.suspend(node.id, attempt: attempt, output: nil, childRun: child.id) }, log: {
            entry($0, node: node.id, .info, "waits for run \(child.id) of workflow '\(workflowID)' version \(child.workflowVersion)",
                  .object(["child_run": .string(child.id)]), attempt: attempt)
        })
    }

    /// Queues the news that `child` ended for its parent, then clears the mark that says it is owed.
    func tellParent(_ child: Run) async throws {
        guard child.parentPending == true, child.parent != nil else { return }
        let payload = try JSONEncoder().encode(ChildEndedPayload(tenant: child.tenant, run: child.id))
        try await queue.enqueue(NewJob(queue: Self.runStartQueue, name: Self.childEndedActor, payload: payload, maxAttempts: 20,
                                       messageID: "\(child.id):ended"))
        _ = try await runs.modifyRun(child.id, tenant: child.tenant) { $0.run.parentPending = false }
    }

    /// `run_child_ended`: a child run ended; its parent's node ends with it — succeeded with the
    /// child's outputs, or failed (and retried, starting a new child, when its policy allows).
    func childEnded(_ job: LeasedJob) async throws {
        let message = try JSONDecoder().decode(ChildEndedPayload.self, from: job.payload)
        guard let child = try await runs.run(message.run, tenant: message.tenant), child.status.isFinished, let link = child.parent,
              let parent = try await runs.run(link.run, tenant: child.tenant, nodes: []), let workflow = try await pinnedWorkflow(of: parent) else { return }
        var output: JSONValue?
        var reference: Run.OutputReference?
        var failure: String?
        var retryable = true
        switch child.status {
        case .succeeded:
            let value: JSONValue = .object(["run_id": .string(child.id), "workflow_id": .string(child.workflowId),
                                            "workflow_version": .int(Int64(child.workflowVersion)), "nodes": .object(try await outputs(of: child))])
            switch try await keep(value, of: parent, node: link.node, attempt: link.attempt) {
            case .inline(let kept): output = kept
            case .reference(let kept): reference = kept
            case .refused(let reason): (failure, retryable) = ("the outputs of run \(child.id): \(reason)", false)
            }
        case .canceled:
            (failure, retryable) = ("sub-workflow run \(child.id) was canceled", false)
        default:
            failure = "sub-workflow run \(child.id) failed: \(child.error ?? "no reason given")"
        }
        let time = now()
        guard let step = try await runs.transition(parent.id, tenant: parent.tenant, {
            $0.childEnded(link.node, attempt: link.attempt, child: child.id, output: output, reference: reference, error: failure, retryable: retryable,
                          in: workflow, at: time)
        }, log: { after in
            guard let failure else { return entry(after, node: link.node, .info, "succeeded", attempt: link.attempt) }
            return after.nodes[link.node]?.status == .queued
                ? entry(after, node: link.node, .warning, "attempt \(link.attempt) failed, trying again: \(failure)", attempt: link.attempt)
                : entry(after, node: link.node, .error, "failed: \(failure)", attempt: link.attempt)
        }) else { return }
        try await went(step, workflow)
    }

    /// The child runs that `run`'s nodes were waiting for when the run ended are canceled with it.
    func cancelChildren(of run: Run) async {
        for (node, state) in run.nodes where state.status == .canceled {
            guard let child = state.childRun else { continue }
            do {
                _ = try await cancel(child, tenant: run.tenant)
                await log(run, node: node, .info, "canceled its run \(child)")
            } catch is RunStateConflict {
                // It had ended already.
            } catch {
                logger.warning("child run not canceled", metadata: ["run": "\(run.id)", "child": "\(child)", "error": "\(error)"])
            }
        }
    }
}

/// `run_child_ended`'s keyword arguments (Docs/QUEUES.md): the child run that ended.
public struct ChildEndedPayload: Codable, Sendable, Equatable {
    public var tenant: String
    public var run: String
}
