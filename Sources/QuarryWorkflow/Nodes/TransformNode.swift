import QuarryCore

/// Shapes data: its output is its `value`, any JSON whose strings may hold templates.
public struct TransformNode: NodeType {
    public let name = "transform"
    public let queue = WorkflowEngine.runStartQueue
    public let summary = "Builds a value from the trigger and upstream outputs with {{ templates }}; the value is the output."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["value"],
         "properties": {"value": {"description": "Any JSON; strings may hold {{ templates }}. A string that is one template becomes the value it names, typed."}}}
        """#)
    public let outputSchema = schema(#"{"description": "The filled value."}"#)

    public init() {}

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        NodeOutcome(output: context.config["value"] ?? .null)
    }
}
