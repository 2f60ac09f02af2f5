import QuarryCore

/// If / switch: chooses a branch by its `value`. Without `cases`, the branch is `true` or
/// `false` by the value's truthiness; with them, the first case whose `equals` is the value,
/// else `default`. Edges out of it name a `branch`; those not taken are skipped, and the skip
/// propagates (Docs/WORKFLOWS.md).
public struct ConditionNode: NodeType {
    public let name = "condition"
    public let queue = WorkflowEngine.runStartQueue
    public let summary = "Chooses a branch (true/false, or a case) from a value; edges that name another branch are skipped."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["value"],
         "properties": {
           "value": {"description": "What to decide on, usually one {{ template }}."},
           "cases": {"type": "array", "maxItems": 100, "description": "Switch: the first case whose equals is the value names the branch; none: 'default'.",
                     "items": {"type": "object", "additionalProperties": false, "required": ["equals", "branch"],
                               "properties": {"equals": {}, "branch": {"type": "string", "minLength": 1, "maxLength": 100}}}}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["value", "branch"], "properties": {"value": {}, "branch": {"type": "string"}}}
        """#)

    public init() {}

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let value = context.config["value"] ?? .null
        let branch: String
        if case .array(let cases) = context.config["cases"] {
            branch = cases.lazy.compactMap { entry -> String? in
                guard case .object(let fields) = entry, fields["equals"] == value else { return nil }
                return fields["branch"]?.string
            }.first ?? "default"
        } else {
            branch = value.isTruthy ? "true" : "false"
        }
        return NodeOutcome(output: .object(["value": value, "branch": .string(branch)]), branch: branch)
    }

    /// The branches edges out of a condition may name: `true`, `false`, each case's and `default`.
    public func branches(_ config: [String: JSONValue]) -> Set<String>? {
        guard case .array(let cases) = config["cases"] else { return ["true", "false"] }
        var names: Set<String> = ["default"]
        for case .object(let fields) in cases { if let branch = fields["branch"]?.string { names.insert(branch) } }
        return names
    }
}
