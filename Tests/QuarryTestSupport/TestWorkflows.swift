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
