import QuarryCore

/// Runs another workflow of the tenant (its current version) with `inputs` as its trigger's
/// output, and waits, holding no worker, until that run ends: its success is this node's, with
/// the child's node outputs; its failure or cancel fails this node (retries start a new child).
/// Canceling the parent cancels the child. Sub-workflows nest at most ``WorkflowEngine/maximumDepth`` deep.
public struct SubWorkflowNode: NodeType {
    public let name = "sub_workflow"
    public let queue = WorkflowEngine.runStartQueue
    public let summary = "Runs another workflow with the given inputs and waits for it; its node outputs become this node's output."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["workflow"],
         "properties": {
           "workflow": {"type": "string", "minLength": 1, "maxLength": 100, "description": "the id of the workflow to run (its current version)"},
           "inputs": {"type": "object", "description": "what the child's trigger outputs, templates welcome; {} when absent"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["run_id", "workflow_id", "workflow_version", "nodes"],
         "properties": {
           "run_id": {"type": "string"}, "workflow_id": {"type": "string"}, "workflow_version": {"type": "integer"},
           "nodes": {"type": "object", "description": "each succeeded node of the child run: its output, by node id"}}}
        """#)

    public init() {}

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        guard let workflow = context.config["workflow"]?.string else { throw PermanentNodeError("config: workflow is missing") }
        return NodeOutcome(output: .null, waitsFor: .childRun(workflow: workflow, inputs: context.config["inputs"] ?? .object([:])))
    }
}
