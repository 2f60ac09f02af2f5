import Foundation
import QuarryCore

/// Workflows the tests share.
public enum TestWorkflows {
    /// fetch → (summarise, translate) → post: a fan-out and a fan-in, with settings whose names
    /// hold `$` and `.`.
    public static let diamond = Workflow(
        id: "w", tenant: "acme", name: "digest",
        nodes: [.init(id: "fetch", type: "ingest_document"), .init(id: "summarise", type: "llm"), .init(id: "translate", type: "llm"),
                .init(id: "post", type: "slack_post", config: ["channel": .string("#news"), "$where": .object(["a.b": .int(1)])])],
        edges: [.init(from: "fetch", to: "summarise"), .init(from: "fetch", to: "translate"), .init(from: "summarise", to: "post"),
                .init(from: "translate", to: "post")]
    )
}

extension RunDraft {
    /// Claims `node`'s current attempt and reports it succeeded (what a worker does), returning
    /// the nodes this queued.
    @discardableResult
    public mutating func complete(_ node: String, in workflow: Workflow, output: JSONValue = .null, branch: String? = nil,
                                  at date: Date = Date()) -> [String] {
        let before = outbox
        guard let attempt = self.node(node)?.attempt, claim(node, attempt: attempt, at: date) else { return [] }
        succeed(node, attempt: attempt, output: output, branch: branch, in: workflow, at: date)
        return outbox.filter { !before.contains($0) }.map(\.node)
    }
}

extension Run {
    /// ``RunDraft/complete(_:in:output:branch:at:)`` on a run held whole.
    @discardableResult
    public mutating func complete(_ node: String, in workflow: Workflow, output: JSONValue = .null, branch: String? = nil,
                                  at date: Date = Date()) -> [String] {
        change { $0.complete(node, in: workflow, output: output, branch: branch, at: date) }
    }

    /// The nodes queued by `start`.
    public var queuedNodes: [String] { outbox.map(\.node) }
}

// The run's course (RunDraft) on a run held whole, as the tests drive it.
extension Run {
    /// Applies `change` to this run through a draft.
    public mutating func change<T>(_ change: (inout RunDraft) throws -> T) rethrows -> T {
        var draft = RunDraft(whole: self)
        let result = try change(&draft)
        self = draft.run
        return result
    }

    @discardableResult
    public mutating func start(_ workflow: Workflow, at date: Date = Date()) -> Bool { change { $0.start(workflow, at: date) } }

    public mutating func claim(_ node: String, attempt: Int, at date: Date = Date()) -> Bool { change { $0.claim(node, attempt: attempt, at: date) } }

    public func isCurrent(_ node: String, attempt: Int) -> Bool {
        var draft = RunDraft(whole: self)
        return draft.isCurrent(node, attempt: attempt)
    }

    @discardableResult
    public mutating func succeed(_ node: String, attempt: Int, output: JSONValue, reference: OutputReference? = nil, branch: String? = nil,
                                 in workflow: Workflow, at date: Date = Date()) -> Bool {
        change { $0.succeed(node, attempt: attempt, output: output, reference: reference, branch: branch, in: workflow, at: date) }
    }

    @discardableResult
    public mutating func suspend(_ node: String, attempt: Int, output: JSONValue?, childRun: String? = nil) -> Bool {
        change { $0.suspend(node, attempt: attempt, output: output, childRun: childRun) }
    }

    @discardableResult
    public mutating func decide(_ node: String, approved: Bool, output: JSONValue, in workflow: Workflow, at date: Date = Date()) -> Bool {
        change { $0.decide(node, approved: approved, output: output, in: workflow, at: date) }
    }

    @discardableResult
    public mutating func childEnded(_ node: String, attempt: Int, child: String, output: JSONValue?, reference: OutputReference? = nil,
                                    error message: String?, retryable: Bool, in workflow: Workflow, at date: Date = Date()) -> Bool {
        change { $0.childEnded(node, attempt: attempt, child: child, output: output, reference: reference, error: message, retryable: retryable,
                               in: workflow, at: date) }
    }

    @discardableResult
    public mutating func fail(_ node: String, attempt: Int, error message: String, retryable: Bool = true, in workflow: Workflow,
                              at date: Date = Date()) -> Bool {
        change { $0.fail(node, attempt: attempt, error: message, retryable: retryable, in: workflow, at: date) }
    }

    @discardableResult
    public mutating func cancel(at date: Date = Date()) -> Bool { change { $0.cancel(at: date) } }

    @discardableResult
    public mutating func abandon(_ reason: String, at date: Date = Date()) -> Bool { change { $0.abandon(reason, at: date) } }

    public mutating func sent(_ dispatches: [Dispatch]) { change { $0.sent(dispatches) } }
}
