import QuarryCore

/// Waits for a person: the run stops at this node, holding no worker, until someone with the
/// editor role approves or rejects it (`POST /api/v1/runs/{id}/nodes/{node}/approve` or
/// `/reject`). Then the nodes on the edge of that branch (`approved`, `rejected`) run and the
/// others are skipped. Canceling the run ends the wait.
public struct ApprovalNode: NodeType {
    public let name = "approval"
    public let queue = WorkflowEngine.runStartQueue
    public let summary = "Waits for a person to approve or reject; then the nodes on the branch 'approved' or 'rejected' run."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false,
         "properties": {"message": {"type": "string", "maxLength": 10000, "description": "what the person is asked (templates welcome)"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["approved", "by", "decided_at"],
         "properties": {
           "message": {"type": "string"}, "approved": {"type": "boolean"}, "by": {"type": "string", "description": "the subject of the token that decided"},
           "comment": {"type": ["string", "null"]}, "decided_at": {"type": "string"}}}
        """#)

    public init() {}

    public func branches(_ config: [String: JSONValue]) -> Set<String>? { ["approved", "rejected"] }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        NodeOutcome(output: .object(["message": .string(context.config["message"]?.string ?? "")]), waitsFor: .decision)
    }
}
