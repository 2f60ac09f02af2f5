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
