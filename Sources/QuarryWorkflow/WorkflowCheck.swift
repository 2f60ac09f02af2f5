import Foundation
import QuarryCore

extension WorkflowEngine {
    /// Most nodes a workflow may have (Docs/WORKFLOWS.md).
    public static let maximumNodes = 500

    /// Checks that `workflow` can run here, before it is saved: a graph without cycles
    /// (``Workflow/validate()``), node types this server knows, configs that fit their types'
    /// schemas (strings holding templates are checked when the node runs), branches that only
    /// nodes choosing among them name (a condition, an approval), and retry and timeout settings in range. The error points at the
    /// field: `/nodes/2/config/top_k`.
    public func check(_ workflow: Workflow) throws(InvalidField) {
        guard Self.isName(workflow.id, upTo: 100) else {
            throw InvalidField("/id", "a workflow id is 1 to 100 letters, digits, '_' or '-'")
        }
        guard !workflow.name.trimmingCharacters(in: .whitespaces).isEmpty, workflow.name.count <= 200 else {
            throw InvalidField("/name", "a name is 1 to 200 characters, not only spaces")
        }
        guard workflow.nodes.count <= Self.maximumNodes else {
            throw InvalidField("/nodes", "a workflow has at most \(Self.maximumNodes) nodes, this one \(workflow.nodes.count)")
        }
        do {
            try workflow.validate()
        } catch {
            throw InvalidField(Self.pointer(for: error, in: workflow), error.description)
        }
        for (position, node) in workflow.nodes.enumerated() {
            let at = "/nodes/\(position)"
            // Templates name nodes by id: `{{ nodes.<id>.… }}`.
            guard Self.isName(node.id, upTo: 64) else { throw InvalidField(at + "/id", "a node id is 1 to 64 letters, digits, '_' or '-'") }
            guard let type = registry[node.type] else {
                throw InvalidField(at + "/type", "no node type '\(node.type)'; known: \(registry.types.keys.sorted().joined(separator: ", "))")
            }
            if let violation = SchemaCheck.firstViolation(of: .object(node.config), against: type.configSchema, templated: true)
                ?? type.violation(in: node.config) {
                throw InvalidField(at + "/config" + violation.pointer, "node '\(node.id)': config \(violation)")
            }
            if let retry = node.retry {
                guard (1...1000).contains(retry.maxAttempts) else { throw InvalidField(at + "/retry/max_attempts", "between 1 and 1000") }
                guard retry.backoffSeconds >= 0, retry.maxBackoffSeconds >= retry.backoffSeconds, retry.maxBackoffSeconds <= 86_400 else {
                    throw InvalidField(at + "/retry", "backoff_seconds ≥ 0, and max_backoff_seconds between it and 86400")
                }
            }
            if let timeout = node.timeoutSeconds, !(timeout > 0 && timeout <= 3600) {
                throw InvalidField(at + "/timeout_seconds", "between 0 and 3600 seconds")
            }
        }
        for (position, edge) in workflow.edges.enumerated() {
            guard let branch = edge.branch else { continue }
            guard let from = workflow.node(edge.from), let known = registry[from.type]?.branches(from.config) else {
                throw InvalidField("/edges/\(position)/branch", "only edges out of a node that chooses a branch (condition, approval) name one")
            }
            guard known.contains(branch) else {
                throw InvalidField("/edges/\(position)/branch", "\(from.type) '\(from.id)' has no branch '\(branch)'; it has: \(known.sorted().joined(separator: ", "))")
            }
        }
    }

    static func isName(_ text: String, upTo length: Int) -> Bool {
        (1...length).contains(text.count) && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
    }

    static func pointer(for error: WorkflowError, in workflow: Workflow) -> String {
        switch error {
        case .empty: return "/nodes"
        case .duplicateNode(let id): return "/nodes/\(workflow.nodes.lastIndex { $0.id == id } ?? 0)/id"
        case .unknownNode(let id):
            let position = workflow.edges.firstIndex { $0.from == id || $0.to == id } ?? 0
            return "/edges/\(position)/" + (workflow.edges[safe: position]?.from == id ? "from" : "to")
        case .selfEdge(let id): return "/edges/\(workflow.edges.firstIndex { $0.from == id && $0.to == id } ?? 0)"
        case .cycle: return "/edges"
        case .schedule: return "/schedule"
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
