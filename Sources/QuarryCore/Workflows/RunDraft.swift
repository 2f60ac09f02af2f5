import Foundation

/// A run being changed (DESIGN.md §5): its course, pure. A store hands one to each change
/// (``RunStore/modifyRun(_:tenant:_:)``) holding the run's top-level fields and reading node
/// states only as the change asks for them, then writes the fields and the nodes the change set,
/// in one atomic step. So ending one node of a thousand reads and writes that node and the few it
/// leads to, not the whole run: a join decides from its ``Run/Tally``, the run ends when
/// ``Run/openNodes`` reaches 0, and only failing or canceling the run reads every node.
///
/// The caller writes the draft, then sends its outbox.
public struct RunDraft {
    /// The run's fields; its `nodes` hold those read or set so far.
    public var run: Run
    /// The nodes this change set, to be written.
    public private(set) var changedNodes: Set<String> = []
    /// The dispatches this change made due (also in the outbox): what its writer sends.
    public private(set) var made: [Run.Dispatch] = []
    /// Lines for the run's log, kept with this change: in its transaction, or right after its write.
    public var logs: [RunLog] = []
    /// The first error reading a node: the store throws it and writes nothing.
    public private(set) var readError: (any Error)?
    private let read: (String) throws -> Run.NodeRun?
    private let readAll: () throws -> [String: Run.NodeRun]
    private var readWhole = false

    /// `read` gives one node's state, `readAll` every node's.
    public init(run: Run, read: @escaping (String) throws -> Run.NodeRun?, readAll: @escaping () throws -> [String: Run.NodeRun]) {
        self.run = run
        self.read = read
        self.readAll = readAll
    }

    /// A draft over a run read whole.
    public init(whole run: Run) {
        let nodes = run.nodes
        self.init(run: run, read: { nodes[$0] }, readAll: { nodes })
        readWhole = true
    }

    public var outbox: [Run.Dispatch] { run.outbox }

    /// `id`'s state (read once, then as this change left it); nil for no such node.
    public mutating func node(_ id: String) -> Run.NodeRun? {
        if let state = run.nodes[id] { return state }
        guard !readWhole else { return nil }
        do {
            let state = try read(id)
            run.nodes[id] = state
            return state
        } catch {
            readError = readError ?? error
            return nil
        }
    }

    /// Every node's state.
    public mutating func allNodes() -> [String: Run.NodeRun] {
        if !readWhole {
            do {
                for (id, state) in try readAll() where run.nodes[id] == nil { run.nodes[id] = state }
                readWhole = true
            } catch {
                readError = readError ?? error
            }
        }
        return run.nodes
    }

    /// Sets `id`'s state (read first), counting the node out of ``Run/openNodes`` when it ends.
    mutating func set(_ id: String, _ change: (inout Run.NodeRun) -> Void) {
        guard var state = node(id) else { return }
        let wasOpen = !state.status.isFinished
        change(&state)
        if wasOpen && state.status.isFinished { run.openNodes -= 1 }
        if !wasOpen && !state.status.isFinished { run.openNodes += 1 }
        run.nodes[id] = state
        changedNodes.insert(id)
    }
}

extension RunDraft {
    /// `run_start`: the nodes without predecessors are queued (and, in a rerun, those the kept
    /// nodes make ready). False when the run has already started or ended.
    @discardableResult
    public mutating func start(_ workflow: Workflow, at date: Date = Date()) -> Bool {
        guard run.status == .queued else { return false }
        run.status = .running
        run.startedAt = date
        let ended = Set(allNodes().filter { $0.value.status.isFinished }.keys)
        for id in workflow.nodes.map(\.id) where ended.contains(id) { passOn(id, in: workflow, at: date) }
        let led = Set(workflow.edges.map(\.to))
        for node in workflow.nodes where !led.contains(node.id) { decide(node.id, in: workflow, at: date) }
        endIfDone(at: date)
        return true
    }

    /// A node the run's start settles in its own write, with no message of its own (a trigger,
    /// whose output is the run's inputs): its first attempt succeeds with `output`, and what it
    /// makes ready is queued. False when it is not queued for its first attempt.
    @discardableResult
    public mutating func settleAtStart(_ node: String, output: JSONValue, in workflow: Workflow, at date: Date = Date()) -> Bool {
        guard self.node(node)?.attempt == 1, claim(node, attempt: 1, at: date) else { return false }
        made.removeAll { $0.node == node && $0.attempt == 1 }
        return succeed(node, attempt: 1, output: output, in: workflow, at: date)
    }

    /// A message for `node`'s `attempt` arrived: true when it is the node's current attempt and
    /// may run (the node is now `running`), false for a message to drop (a duplicate, an attempt
    /// already over, a run that ended). A message whose attempt is already `running` is its own
    /// redelivery after its worker died, and runs again.
    public mutating func claim(_ node: String, attempt: Int, at date: Date = Date()) -> Bool {
        guard run.status == .running, let state = self.node(node), state.attempt == attempt,
              state.status == .queued || state.status == .running else { return false }
        set(node) {
            $0.status = .running
            $0.startedAt = $0.startedAt ?? date
        }
        // Its message arrived, so it is on the queue.
        run.outbox.removeAll { $0.node == node && $0.attempt == attempt }
        return true
    }

    /// Whether `node`'s `attempt` is still the one to run.
    public mutating func isCurrent(_ node: String, attempt: Int) -> Bool {
        run.status == .running && self.node(node)?.attempt == attempt && self.node(node)?.status == .running
    }

    /// `node`'s `attempt` succeeded with `output`, or with its output kept apart under `reference`
    /// (a condition also names its `branch`): the nodes this makes ready are queued, those it
    /// rules out skipped. False when the report is stale (another attempt, a run that ended).
    @discardableResult
    public mutating func succeed(_ node: String, attempt: Int, output: JSONValue, reference: Run.OutputReference? = nil, branch: String? = nil,
                                 in workflow: Workflow, at date: Date = Date()) -> Bool {
        guard isCurrent(node, attempt: attempt) else { return false }
        set(node) {
            $0.status = .succeeded
            $0.finishedAt = date
            $0.error = nil
            $0.output = reference == nil ? output : nil
            $0.outputReference = reference
            $0.branch = branch
        }
        passOn(node, in: workflow, at: date)
        endIfDone(at: date)
        return true
    }

    /// `node`'s `attempt` ran and now waits, holding no worker: for a person's decision or for the
    /// run it started to end, keeping `output` (what the person is asked) and the `childRun`
    /// meanwhile. False when the report is stale.
    @discardableResult
    public mutating func suspend(_ node: String, attempt: Int, output: JSONValue?, childRun: String? = nil) -> Bool {
        guard isCurrent(node, attempt: attempt) else { return false }
        set(node) {
            $0.status = .awaiting
            $0.output = output
            $0.childRun = childRun
        }
        return true
    }

    /// A person decided on `node`, which awaits: it succeeds with `output`, on the branch
    /// `approved` or `rejected`, and the run goes on. False when the node does not await (never
    /// asked, decided already, or the run ended).
    @discardableResult
    public mutating func decide(_ node: String, approved: Bool, output: JSONValue, in workflow: Workflow, at date: Date = Date()) -> Bool {
        guard run.status == .running, self.node(node)?.status == .awaiting else { return false }
        set(node) {
            $0.status = .succeeded
            $0.finishedAt = date
            $0.output = output
            $0.branch = approved ? "approved" : "rejected"
        }
        passOn(node, in: workflow, at: date)
        endIfDone(at: date)
        return true
    }

    /// The run that `node`'s `attempt` started (a `sub_workflow`) ended: the node succeeds with
    /// `output` (or its `reference`), or, given an `error`, fails as an attempt does (retried when
    /// its policy allows and `retryable`). False when the node's attempt is no longer the one
    /// waiting for it (a report sent twice, another attempt, a run that ended); it may still be
    /// `running`, when the child ended before the wait was written.
    @discardableResult
    public mutating func childEnded(_ node: String, attempt: Int, child: String, output: JSONValue?, reference: Run.OutputReference? = nil,
                                    error message: String?, retryable: Bool, in workflow: Workflow, at date: Date = Date()) -> Bool {
        guard run.status == .running, let state = self.node(node), state.attempt == attempt, state.status == .running || state.status == .awaiting
        else { return false }
        set(node) {
            $0.status = .running
            $0.childRun = child
        }
        if let message { return fail(node, attempt: attempt, error: message, retryable: retryable, in: workflow, at: date) }
        return succeed(node, attempt: attempt, output: output ?? .null, reference: reference, in: workflow, at: date)
    }

    /// `node`'s `attempt` failed. With attempts left (and `retryable`), the next attempt is
    /// queued after the policy's backoff, or after `retryAfter` when the service said when to
    /// come back; otherwise the node fails, and so does the run unless the node continues on
    /// error. The node's own retry policy holds; without one, `defaultRetry` (its type's). False
    /// when the report is stale.
    @discardableResult
    public mutating func fail(_ node: String, attempt: Int, error message: String, retryable: Bool = true,
                              defaultRetry: Workflow.RetryPolicy? = nil, retryAfter: TimeInterval? = nil, in workflow: Workflow,
                              at date: Date = Date()) -> Bool {
        guard isCurrent(node, attempt: attempt), let definition = workflow.node(node) else { return false }
        if retryable, let policy = definition.retry ?? defaultRetry, attempt < policy.maxAttempts {
            set(node) {
                $0.status = .queued
                $0.attempt = attempt + 1
                $0.error = message
            }
            let wait = retryAfter ?? policy.delay(afterAttempt: attempt)
            due(Run.Dispatch(node: node, attempt: attempt + 1, notBefore: date.addingTimeInterval(wait)))
            return true
        }
        set(node) {
            $0.status = .failed
            $0.finishedAt = date
            $0.error = message
        }
        if definition.continueOnError == true {
            passOn(node, in: workflow, at: date)
            endIfDone(at: date)
        } else {
            finish(.failed, error: "node '\(node)' failed: \(message)", at: date)
        }
        return true
    }

    /// Canceled by a person: nodes not begun never run, running ones are told to stop.
    @discardableResult
    public mutating func cancel(at date: Date = Date()) -> Bool {
        guard !run.status.isFinished else { return false }
        finish(.canceled, error: nil, at: date)
        return true
    }

    /// The run cannot go on for a reason outside its nodes (its `run_start` could not be queued,
    /// its workflow version is gone): it fails with `reason`, and no node runs.
    @discardableResult
    public mutating func abandon(_ reason: String, at date: Date = Date()) -> Bool {
        guard !run.status.isFinished else { return false }
        finish(.failed, error: reason, at: date)
        return true
    }

    private mutating func due(_ dispatch: Run.Dispatch) {
        run.outbox.append(dispatch)
        made.append(dispatch)
    }

    /// The dispatches now known to be on the queue leave the outbox.
    public mutating func sent(_ dispatches: [Run.Dispatch]) {
        run.outbox.removeAll { dispatches.contains($0) }
    }

    private mutating func finish(_ outcome: Run.Status, error: String?, at date: Date) {
        run.status = outcome
        run.error = error
        run.finishedAt = date
        run.outbox = []
        if run.parent != nil { run.parentPending = true }
        for (id, state) in allNodes() where !state.status.isFinished {
            set(id) {
                $0.status = .canceled
                $0.finishedAt = date
            }
        }
    }

    /// Every node `node` leads to counts the edge by how `node` ended, and is decided.
    private mutating func passOn(_ node: String, in workflow: Workflow, at date: Date) {
        guard let from = self.node(node) else { return }
        for edge in workflow.edges where edge.from == node {
            set(edge.to) { target in
                var tally = target.tally ?? Run.Tally()
                switch from.status {
                case .succeeded where edge.branch == nil || edge.branch == from.branch: tally.taken += 1
                case .failed: tally.failed += 1
                default: tally.passed += 1
                }
                target.tally = tally
            }
            decide(edge.to, in: workflow, at: date)
        }
    }

    /// A waiting node whose join can decide is queued, or skipped (which its own successors then count).
    private mutating func decide(_ id: String, in workflow: Workflow, at date: Date) {
        guard let state = node(id), state.status == .waiting, let definition = workflow.node(id) else { return }
        let tally = state.tally ?? Run.Tally()
        let pending = workflow.incoming(id).count - tally.ended
        let decision: Bool?  // true: run, false: skip, nil: wait
        switch definition.join ?? .all {
        case .all: decision = tally.failed + tally.passed > 0 ? false : pending == 0 ? true : nil
        case .any: decision = tally.taken > 0 ? true : pending == 0 ? false : nil
        case .allSettled: decision = pending > 0 ? nil : tally.taken + tally.failed > 0
        }
        switch decision {
        case nil: return
        case true?:
            set(id) {
                $0.status = .queued
                $0.attempt = 1
            }
            due(Run.Dispatch(node: id, attempt: 1))
        case false?:
            set(id) {
                $0.status = .skipped
                $0.finishedAt = date
            }
            passOn(id, in: workflow, at: date)
        }
    }

    /// The run succeeds once every node has ended.
    private mutating func endIfDone(at date: Date) {
        guard run.status == .running, run.openNodes == 0 else { return }
        run.status = .succeeded
        run.finishedAt = date
        if run.parent != nil { run.parentPending = true }
    }
}
