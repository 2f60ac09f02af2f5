import Foundation
import QuarryCore

/// Runs one node per item of a list, at most `parallelism` at a time: its `node` is a node
/// definition (a type, a config whose templates may name `item` and `index` besides the run's
/// trigger and nodes, a retry policy and a timeout), filled and run once per item. Items start
/// as earlier ones end, so a long list never has more than `parallelism` items in flight.
///
/// One item failing (its retries spent) fails the map and starts no more items, unless
/// `continue_on_error`. Delivery is at least once, as for any node: a map whose worker dies runs
/// again from its first item, each item sending the idempotency key `<run>:<map>[<index>]`.
public struct MapNode: NodeType {
    public let name = "map"
    public let queue = "actions"
    public let summary = "Runs a node once per item of a list, a few at a time; the outputs, in the list's order, are the output."
    public let configSchema: JSONValue
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["count", "succeeded", "failed", "errors"],
         "properties": {
           "count": {"type": "integer"}, "succeeded": {"type": "integer"}, "failed": {"type": "integer"},
           "results": {"type": "array", "description": "each item's output, null for an item that failed or was not run; absent with collect: false"},
           "errors": {"type": "array", "description": "the first 100 items that failed",
                      "items": {"type": "object", "properties": {"index": {"type": "integer"}, "error": {"type": "string"}}}}}}
        """#)
    public let defaultTimeout: Duration = .seconds(3600)
    public let filledByNode: Set<String> = ["node"]
    public let streamedByNode: Set<String> = ["items"]
    /// Most items run at once.
    public static let maximumParallelism = 64
    /// How often, at most, a running map writes its progress to the run log.
    static let progressEvery: Duration = .seconds(5)

    let itemTypes: [String: any NodeType]

    /// `itemTypes`: what a map may run per item, node types that end in one attempt.
    public init(itemTypes: [any NodeType]) {
        self.itemTypes = Dictionary(itemTypes.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        let names = JSONValue.array(self.itemTypes.keys.sorted().map(JSONValue.string))
        configSchema = schema(#"""
            {"type": "object", "additionalProperties": false, "required": ["items", "node"],
             "properties": {
               "items": {"type": "array", "description": "the list, usually one template naming an upstream output: {{ nodes.rows.body }}"},
               "node": {"type": "object", "additionalProperties": false, "required": ["type"],
                        "description": "the node run per item; its config's templates may also name item and index",
                        "properties": {
                          "type": {"type": "string"},
                          "config": {"type": "object"},
                          "retry": {"type": "object", "additionalProperties": false, "required": ["max_attempts"],
                                    "properties": {"max_attempts": {"type": "integer", "minimum": 1, "maximum": 100},
                                                   "backoff_seconds": {"type": "number", "minimum": 0, "maximum": 3600},
                                                   "max_backoff_seconds": {"type": "number", "minimum": 0, "maximum": 3600}}},
                          "timeout_seconds": {"type": "number", "minimum": 0.001, "maximum": 3600}}},
               "parallelism": {"type": "integer", "minimum": 1, "maximum": 64, "default": 4},
               "continue_on_error": {"type": "boolean", "default": false, "description": "an item that fails does not fail the map"},
               "collect": {"type": "boolean", "default": true, "description": "keep each item's output in results (off for long lists of effects)"}}}
            """#)
            .setting(["properties", "node", "properties", "type", "enum"], to: names)
    }

    public func violation(in config: [String: JSONValue]) -> SchemaCheck.Violation? {
        guard case .object(let node) = config["node"], let name = node["type"]?.string, let type = itemTypes[name] else { return nil }
        return SchemaCheck.firstViolation(of: node["config"] ?? .object([:]), against: type.configSchema, at: "/node/config", templated: true)
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let plan = try ItemPlan(context.config, types: itemTypes)
        var items = try await context.items("items")
        let collect = context.config["collect"]?.bool ?? true
        let parallelism = min(max(Int(context.config["parallelism"]?.int ?? 4), 1), Self.maximumParallelism)
        let stopOnError = !(context.config["continue_on_error"]?.bool ?? false)
        let base = context.templateContext

        var results = ResultsWriter(collect: collect, limit: Self.resultsLimit)
        var errors: [JSONValue] = []
        var succeeded = 0, failed = 0
        var firstFailure: (index: Int, error: ItemFailure)?
        let clock = ContinuousClock()
        var lastProgress = clock.now
        await context.log(.info, "map: items from \(items.origin), \(parallelism) at a time", nil)

        let count = try await withThrowingTaskGroup(of: (Int, Result<JSONValue, ItemFailure>).self) { group in
            var next = 0
            var exhausted = false
            // Starts items while fewer than `parallelism` run, and none is too far ahead of the
            // earliest still running (results are written in the list's order). With none
            // running every started item is written, so this always starts one if any is left.
            func fill() async throws {
                while !exhausted, next - (succeeded + failed) < parallelism, next - results.written < Self.resultsWindow {
                    guard let item = try await items.next() else {
                        exhausted = true
                        return
                    }
                    let index = next
                    next += 1
                    group.addTask { (index, await plan.run(item: item, index: index, base: base, context: context)) }
                }
            }
            try await fill()
            while let (index, result) = try await group.next() {
                try Task.checkCancellation()
                switch result {
                case .success(let output):
                    succeeded += 1
                    try results.put(output, at: index)
                case .failure(let failure):
                    failed += 1
                    try results.put(nil, at: index)
                    if errors.count < 100 { errors.append(.object(["index": .int(Int64(index)), "error": .string(failure.message)])) }
                    if stopOnError, firstFailure == nil {
                        firstFailure = (index, failure)
                        group.cancelAll()
                    }
                }
                if firstFailure == nil { try await fill() }
                if clock.now - lastProgress >= Self.progressEvery {
                    lastProgress = clock.now
                    await context.log(.info, "map: \(succeeded + failed) items done, \(failed) failed", nil)
                }
            }
            return next
        }
        if let (index, failure) = firstFailure {
            let message = "item \(index) failed: \(failure.message)"
            if failure.permanent { throw PermanentNodeError(message) }
            throw MapFailure(message: message)
        }
        await context.log(.info, "map: \(count) items done, \(failed) failed", nil)
        let summary: JSONValue = .object(["count": .int(Int64(count)), "succeeded": .int(Int64(succeeded)), "failed": .int(Int64(failed)),
                                          "errors": .array(errors)])
        return NodeOutcome(encodedOutput: try results.output(summary))
    }

    /// Items that may have ended ahead of the earliest one still running, at most: results are
    /// written in the list's order, so those wait, and a slow item holds back new ones past this.
    static let resultsWindow = 4096
    /// The most a map's results may take as JSON (the engine's output limit).
    static let resultsLimit = WorkflowEngine.defaultOutputLimit
}

/// A map's results written as JSON text in the list's order as items end (in any order), so a
/// long list's outputs are held as compact text, not as values: those that end early wait in
/// `ahead` until the items before them end. Without `collect`, it only counts.
struct ResultsWriter {
    let collect: Bool
    let limit: Int
    private var text = Data("[".utf8)
    /// Items written: every index below is done.
    private(set) var written = 0
    private var ahead: [Int: JSONValue?] = [:]
    private let encoder = JSONEncoder()

    init(collect: Bool, limit: Int) {
        self.collect = collect
        self.limit = limit
    }

    /// Item `index`'s output; nil for one that failed (null in its place).
    mutating func put(_ output: JSONValue?, at index: Int) throws {
        ahead[index] = .some(collect ? output : nil)
        while let output = ahead.removeValue(forKey: written) {
            written += 1
            guard collect else { continue }
            if written > 1 { text.append(UInt8(ascii: ",")) }
            text.append(try output.map { try encoder.encode($0) } ?? Data("null".utf8))
            guard text.count <= limit else {
                throw PermanentNodeError("its results passed \(limit) bytes at item \(written - 1); with collect: false a map keeps none")
            }
        }
    }

    /// The map's output: `summary` with `results` added when they are kept.
    func output(_ summary: JSONValue) throws -> Data {
        var object = try encoder.encode(summary)
        guard collect else { return object }
        object.removeLast()  // the closing brace
        object.append(contentsOf: Data(#","results":"#.utf8))
        object.append(text)
        object.append(contentsOf: Data("]}".utf8))
        return object
    }
}

/// Why one item did not succeed, and whether the map's own retry could mend it.
struct ItemFailure: Error {
    let message: String
    let permanent: Bool
}

struct MapFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The node a map runs per item, read from its config once.
struct ItemPlan: Sendable {
    let type: any NodeType
    let config: [String: JSONValue]
    let retry: Workflow.RetryPolicy
    let timeout: Duration

    init(_ config: [String: JSONValue], types: [String: any NodeType]) throws {
        guard case .object(let node) = config["node"], let name = node["type"]?.string else { throw PermanentNodeError("config /node/type is required") }
        guard let type = types[name] else {
            throw PermanentNodeError("config /node/type: a map runs one of \(types.keys.sorted().joined(separator: ", ")), not '\(name)'")
        }
        self.type = type
        self.config = if case .object(let fields) = node["config"] { fields } else { [:] }
        if case .object(let policy) = node["retry"] {
            retry = Workflow.RetryPolicy(maxAttempts: Int(policy["max_attempts"]?.int ?? 1), backoffSeconds: policy["backoff_seconds"]?.number ?? 1,
                                         maxBackoffSeconds: policy["max_backoff_seconds"]?.number ?? 300)
        } else {
            retry = Workflow.RetryPolicy(maxAttempts: 1)
        }
        timeout = node["timeout_seconds"]?.number.map { Duration.milliseconds(Int64($0 * 1000)) } ?? type.defaultTimeout
    }

    /// Fills the config for `item` and runs it, trying again as the policy allows.
    func run(item: JSONValue, index: Int, base: JSONValue, context: NodeContext) async -> Result<JSONValue, ItemFailure> {
        guard case .object(var names) = base else { return .failure(ItemFailure(message: "no template context", permanent: true)) }
        names["item"] = item
        names["index"] = .int(Int64(index))
        let filled: [String: JSONValue]
        do {
            guard case .object(let fields) = try Template.render(.object(config), in: .object(names)) else { return .success(.null) }
            filled = fields
        } catch {
            return .failure(ItemFailure(message: "\(error)", permanent: true))
        }
        if let violation = SchemaCheck.firstViolation(of: .object(filled), against: type.configSchema) {
            return .failure(ItemFailure(message: "config \(violation)", permanent: true))
        }
        let node = Workflow.Node(id: "\(context.node.id)[\(index)]", type: type.name, config: filled)
        var attempt = 1
        while true {
            let itemContext = NodeContext(run: context.run, node: node, attempt: attempt, config: filled) { level, text, data in
                await context.log(level, "item \(index): \(text)", data)
            }
            do {
                return .success(try await withTimeout(timeout) { try await type.execute(itemContext).output })
            } catch let error as PermanentNodeError {
                return .failure(ItemFailure(message: error.message, permanent: true))
            } catch is CancellationError {
                return .failure(ItemFailure(message: "stopped", permanent: true))
            } catch {
                guard attempt < retry.maxAttempts else { return .failure(ItemFailure(message: "\(error)", permanent: false)) }
                do {
                    // A service that said when to come back (429 with Retry-After) is waited exactly that.
                    let wait = (error as? RetryLater)?.after ?? .milliseconds(Int64(retry.delay(afterAttempt: attempt) * 1000))
                    try await Task.sleep(for: wait)
                } catch {
                    return .failure(ItemFailure(message: "stopped", permanent: true))
                }
                attempt += 1
            }
        }
    }

    func withTimeout<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw MapFailure(message: "timed out after \(limit.seconds) s")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

extension JSONValue {
    /// This value with the value at `path` (object keys) set to `value`, objects made on the way.
    func setting(_ path: [String], to value: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        var fields: [String: JSONValue] = if case .object(let given) = self { given } else { [:] }
        fields[key] = (fields[key] ?? .object([:])).setting(Array(path.dropFirst()), to: value)
        return .object(fields)
    }
}
