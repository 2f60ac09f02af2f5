import Foundation
import QuarryCore

/// Node outputs: kept in the run document up to ``WorkflowEngine/maximumOutputBytes``; larger
/// ones, up to the engine's `outputLimit` (64 MB unless told), apart in the run store under
/// `<run>/<node>/<attempt>` (files beside SQLite, GridFS in MongoDB), the run holding the
/// reference. Templates, sub-workflow results and `GET /runs/{id}/nodes/{node}/output` read them
/// back, so a node downstream sees no difference.
extension WorkflowEngine {
    /// The largest output a node may produce, unless the engine is told otherwise.
    public static let defaultOutputLimit = 64 * 1024 * 1024

    enum KeptOutput {
        case inline(JSONValue)
        case reference(Run.OutputReference)
        /// Why it is not kept.
        case refused(String)
    }

    /// Keeps `output` of `node`'s `attempt` of `run`: inline when it fits, else apart.
    func keep(_ output: JSONValue, of run: Run, node: String, attempt: Int) async throws -> KeptOutput {
        try await keep(encoded: try JSONEncoder().encode(output), as: output, of: run, node: node, attempt: attempt)
    }

    /// Keeps an output given as JSON text (`value`: the same, when the node has it as values).
    func keep(encoded data: Data, as value: JSONValue? = nil, of run: Run, node: String, attempt: Int) async throws -> KeptOutput {
        if data.count <= Self.maximumOutputBytes {
            do {
                return .inline(try value ?? JSONDecoder().decode(JSONValue.self, from: data))
            } catch {
                return .refused("its output is not JSON: \(error)")
            }
        }
        guard data.count <= outputLimit else {
            return .refused("output of \(data.count) bytes is over the \(outputLimit)-byte limit")
        }
        let reference = Run.OutputReference(key: "\(run.id)/\(node)/\(attempt)", bytes: data.count)
        try await runs.saveRunOutput(data, key: reference.key, tenant: run.tenant)
        return .reference(reference)
    }

    /// A node's output: inline, or read back from where it is kept; nil when it has none.
    public func output(of state: Run.NodeRun, tenant: String) async throws -> JSONValue? {
        guard let reference = state.outputReference else { return state.output }
        guard let data = try await runs.runOutput(key: reference.key, tenant: tenant) else {
            throw BackendUnavailable(backend: "run store", reason: "the output kept under \(reference.key) is missing")
        }
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Each succeeded node's output, by node id.
    func outputs(of run: Run) async throws -> [String: JSONValue] {
        var outputs: [String: JSONValue] = [:]
        for (id, state) in run.nodes where state.status == .succeeded { outputs[id] = try await output(of: state, tenant: run.tenant) ?? .null }
        return outputs
    }

    /// The list `value` (config field `field`) names: read a piece at a time when it is one
    /// template naming a list inside an output kept apart; else filled and held.
    func list(_ field: String, _ value: JSONValue, of run: Run) async throws -> ListItems {
        if let (node, steps, path) = Template.soleNodePath(value),
           let state = try await runs.run(run.id, tenant: run.tenant, nodes: [node])?.nodes[node], state.status == .succeeded,
           let reference = state.outputReference {
            let (runs, tenant) = (self.runs, run.tenant)
            return ListItems(path: path, steps: steps, bytes: reference.bytes) { range in
                try await runs.runOutput(key: reference.key, tenant: tenant, bytes: range)
            }
        }
        return try ListItems.filled(field, value, in: try await templateContext(for: run, naming: [field: value]))
    }

    /// What a node's templates may name: `trigger` (the run's inputs), `nodes.<id>` (each
    /// succeeded node's output) and `run` (its id, workflow and version). Of the nodes, only those
    /// `config` names are read (all of them when it names `nodes` whole), so a node's attempt costs
    /// the same in a run of ten nodes or of ten thousand.
    func templateContext(for run: Run, naming config: [String: JSONValue]) async throws -> JSONValue {
        let named = Template.namedNodes(in: .object(config))
        var outputs: [String: JSONValue] = [:]
        if named?.isEmpty != true, let read = try await runs.run(run.id, tenant: run.tenant, nodes: named.map { $0.sorted() }) {
            outputs = try await self.outputs(of: read)
        }
        return .object([
            "trigger": run.inputs, "nodes": .object(outputs),
            "run": .object(["id": .string(run.id), "workflow_id": .string(run.workflowId), "workflow_version": .int(Int64(run.workflowVersion))]),
        ])
    }
}
