import Foundation
import QuarryCore
import QuarryEngine

/// What a workflow node does (Docs/WORKFLOWS.md): its name (a node's `type`), the queue its
/// actor takes it from, JSON Schemas of its config and output (served at `GET /api/v1/node-types`;
/// a config is checked against them when a workflow is saved, and again once its templates are
/// filled), and the work.
///
/// Delivery is at least once: a node whose worker dies mid-way runs again. A node with an effect
/// outside Quarry sends ``NodeContext/idempotencyKey`` where its service takes one.
public protocol NodeType: Sendable {
    var name: String { get }
    var queue: String { get }
    /// One line for people (the builder's palette, `GET /api/v1/node-types`).
    var summary: String { get }
    var configSchema: JSONValue { get }
    var outputSchema: JSONValue { get }
    /// How long one attempt may take when the node does not say.
    var defaultTimeout: Duration { get }
    /// How a failed attempt is retried when the node does not say (a connector tries a service
    /// that answered 5xx again); nil: it is not.
    var defaultRetry: Workflow.RetryPolicy? { get }
    /// How long after the node is ready its first attempt may start, from its filled config:
    /// the delay of its message on the queue, so the wait holds no worker (`delay`). Zero for
    /// the others, which never call `config` (filling it costs a template rendering per node);
    /// a config that cannot say throws, and the attempt then fails saying why.
    func startDelay(_ config: () async throws -> [String: JSONValue], at time: Date) async throws -> Duration
    /// The branches the node chooses among (edges out of it may name one), from its config;
    /// nil for a node that chooses none.
    func branches(_ config: [String: JSONValue]) -> Set<String>?
    /// Config fields whose templates the engine leaves unfilled, for the node to fill itself with
    /// more to name (a `map` fills its `node` once per item, naming `item` and `index`). Empty
    /// for the others.
    var filledByNode: Set<String> { get }
    /// Config fields holding a list the node reads an item at a time (``NodeContext/items(_:)``):
    /// the engine leaves them unfilled and does not read ahead the outputs they name, so a list in
    /// an output kept apart is read from the store a piece at a time, never whole (a `map`'s
    /// `items`). Empty for the others.
    var streamedByNode: Set<String> { get }
    /// What the config schema cannot say, checked when a workflow is saved (a `map`'s inner node
    /// config against its own type's schema); nil when nothing is wrong.
    func violation(in config: [String: JSONValue]) -> SchemaCheck.Violation?
    func execute(_ context: NodeContext) async throws -> NodeOutcome
}

extension NodeType {
    /// How long one attempt of `node` may take: its own `timeout_seconds`, else the type's default.
    public func timeout(of node: Workflow.Node) -> Duration {
        node.timeoutSeconds.map { .milliseconds(Int64($0 * 1000)) } ?? defaultTimeout
    }

    public var defaultTimeout: Duration { .seconds(300) }
    public var defaultRetry: Workflow.RetryPolicy? { nil }
    public func branches(_ config: [String: JSONValue]) -> Set<String>? { nil }
    public var filledByNode: Set<String> { [] }
    public var streamedByNode: Set<String> { [] }
    public func violation(in config: [String: JSONValue]) -> SchemaCheck.Violation? { nil }
    public func startDelay(_ config: () async throws -> [String: JSONValue], at time: Date) async throws -> Duration { .zero }
}

/// One attempt of one node, as its type sees it.
public struct NodeContext: Sendable {
    public let run: Run
    public let node: Workflow.Node
    public let attempt: Int
    /// The node's config with its templates filled, checked against the type's schema.
    public let config: [String: JSONValue]
    /// What the templates could name (`trigger`, `nodes`, `run`): for a node that fills more
    /// templates itself (``NodeType/filledByNode``).
    public let templateContext: JSONValue
    /// Appends a line to the run's log for this node.
    public let log: @Sendable (RunLog.Level, String, JSONValue?) async -> Void
    /// The list a field of ``NodeType/streamedByNode`` names, to read an item at a time.
    public let items: @Sendable (_ field: String) async throws -> ListItems

    public var tenant: String { run.tenant }
    /// The same for every attempt of this node in this run: what a service that deduplicates
    /// requests gets, so a retried or redelivered node does not act twice.
    public var idempotencyKey: String { "\(run.id):\(node.id)" }

    /// Without `items`, a streamed field is read from `config`, filled from `templateContext`.
    public init(run: Run, node: Workflow.Node, attempt: Int, config: [String: JSONValue], templateContext: JSONValue = .object([:]),
                items: (@Sendable (String) async throws -> ListItems)? = nil, log: @escaping @Sendable (RunLog.Level, String, JSONValue?) async -> Void) {
        self.run = run
        self.node = node
        self.attempt = attempt
        self.config = config
        self.templateContext = templateContext
        self.items = items ?? { field in try ListItems.filled(field, config[field] ?? .null, in: templateContext) }
        self.log = log
    }
}

/// What an attempt produced: the output kept with the run, and for a condition the branch taken.
/// With `waitsFor`, the node does not end yet but waits, holding no worker, keeping `output`
/// (what a person is asked) until then.
public struct NodeOutcome: Sendable, Equatable {
    public enum Wait: Sendable, Equatable {
        /// A person approves or rejects (`approval`).
        case decision
        /// A run of the tenant's workflow `workflow` (its current version) started with `inputs`
        /// ends (`sub_workflow`); its end is the node's.
        case childRun(workflow: String, inputs: JSONValue)
    }

    public var output: JSONValue
    /// The output already written as JSON, for a node that builds a long one as text so as never
    /// to hold it as values (a `map`'s results); `output` is then not read.
    public var encodedOutput: Data?
    public var branch: String?
    public var waitsFor: Wait?

    public init(output: JSONValue, branch: String? = nil, waitsFor: Wait? = nil) {
        self.output = output
        self.branch = branch
        self.waitsFor = waitsFor
    }

    public init(encodedOutput: Data) {
        self.output = .null
        self.encodedOutput = encodedOutput
    }
}

/// A failure that trying again cannot mend (a bad config, a template naming nothing, a 4xx):
/// the node fails at once, whatever its retry policy. `field`, when the node's own config is at
/// fault (a credential of the wrong type): its JSON pointer within the config, so the action test
/// endpoint answers 422 naming it.
public struct PermanentNodeError: Error, CustomStringConvertible {
    public let message: String
    public let field: String?
    public init(_ message: String, field: String? = nil) {
        self.message = message
        self.field = field
    }
    public var description: String { message }
}

/// A failure whose service said when to come back (a 429 with `Retry-After`): the next attempt
/// waits exactly `after` (not less, and not the policy's backoff), as long as attempts are left.
public struct RetryLater: Error, CustomStringConvertible {
    public let message: String
    public let after: Duration
    public init(_ message: String, after: Duration) {
        self.message = message
        self.after = after
    }
    public var description: String { message }
}

/// The node types a process knows, by name.
public struct NodeRegistry: Sendable {
    public let types: [String: any NodeType]

    public init(_ types: [any NodeType]) {
        self.types = Dictionary(types.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    public subscript(name: String) -> (any NodeType)? { types[name] }

    /// Every node type Quarry has: `rag_query` on `retriever`, `ingest` through `indexJobs` (its
    /// pipeline, its index_root), `llm` on `chat`, `http_request` and the connectors through
    /// `http` (email through `mail`); a `map` runs any of those that end in one attempt (not trigger, delay, approval,
    /// sub_workflow or map). `credentials` are what `http_request` and the connectors find a
    /// node's `credential` in; `ledger` is where connectors whose provider takes no idempotency
    /// key write their sends down (Slack, Notion, Sheets); `limiter` keeps the connectors' rate and
    /// concurrency limits, shared by the workers.
    public static func standard(retriever: Retriever, indexJobs: IndexJobs, chat: (any ChatModel)?, http: any OutboundHTTP,
                                mail: (any MailTransport)? = nil, credentials: Credentials? = nil, ledger: (any EffectLedger)? = nil,
                                limiter: (any ActionLimiter)? = nil) -> NodeRegistry {
        let connectors: [any NodeType] = (mail.map { [EmailNode(mail: $0, credentials: credentials, documents: retriever.store, limiter: limiter)] } ?? []) + [
            HTTPRequestNode(http: http, credentials: credentials, limiter: limiter), SlackNode(http: http, credentials: credentials, ledger: ledger, limiter: limiter),
            TwilioNode(http: http, credentials: credentials, limiter: limiter), NotionNode(http: http, credentials: credentials, ledger: ledger, limiter: limiter),
            SheetsNode(http: http, credentials: credentials, ledger: ledger, limiter: limiter),
        ]
        let itemTypes: [any NodeType] = [TransformNode(), ConditionNode(), RAGQueryNode(retriever: retriever), LLMNode(model: chat),
                                         IngestNode(indexJobs: indexJobs)] + connectors
        return NodeRegistry(itemTypes + [TriggerNode(), DelayNode(), ApprovalNode(), SubWorkflowNode(), MapNode(itemTypes: itemTypes)])
    }

    /// The queues whose actors this registry's nodes need, `default` (run_start) first.
    public var queues: [String] {
        [WorkflowEngine.runStartQueue] + Set(types.values.map(\.queue)).subtracting([WorkflowEngine.runStartQueue]).sorted()
    }
}
