import QuarryCore

/// Where a run begins: its output is what started the run (the inputs of `POST …/run`, a
/// webhook's body, `{}` for a cron tick).
///
/// A run's start settles its triggers in its own write (``WorkflowEngine``'s `run_start`); a
/// trigger runs as a node of its own only when the inputs are too large to keep in the run.
public struct TriggerNode: NodeType {
    public static let typeName = "trigger"
    public let name = TriggerNode.typeName
    public let queue = WorkflowEngine.runStartQueue
    public let summary = "Starts the run; its output is the run's inputs (the body given to run, a webhook's body)."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false,
         "properties": {"kind": {"enum": ["manual", "webhook", "cron"], "default": "manual", "description": "What starts runs (for people and the builder; every kind can also be run by hand)."}}}
        """#)
    public let outputSchema = schema(#"{"description": "The run's inputs, as given."}"#)

    public init() {}

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        NodeOutcome(output: context.run.inputs)
    }
}
