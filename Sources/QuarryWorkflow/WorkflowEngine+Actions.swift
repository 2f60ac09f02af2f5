import Foundation
import QuarryCore
import Synchronization

/// An action that could not be sent: its node's failure (the provider's words, secrets scrubbed).
public struct ActionFailed: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The action a test sends and what came of it.
public struct ActionResult: Sendable {
    public let output: JSONValue
    public let log: [String]
}

extension WorkflowEngine {
    /// Sends one action of the type `name` (a node type on the `actions` queue) with `config` (a node's config, templates not allowed) at once,
    /// in this process: so a user can check a credential before building a workflow. Its
    /// failure is ``ActionFailed`` with the node's message (the provider's words, secrets scrubbed).
    public func testAction(_ name: String, config: [String: JSONValue], tenant: String) async throws -> ActionResult {
        guard let type = registry[name], type.queue == "actions" else {
            throw NotFound("action type", id: name)
        }
        if let violation = SchemaCheck.firstViolation(of: .object(config), against: type.configSchema) ?? type.violation(in: config) {
            throw InvalidField("/config" + violation.pointer, violation.message)
        }
        if let templated = config.sorted(by: { $0.key < $1.key }).first(where: { Self.holdsTemplate($0.value) }) {
            throw InvalidField("/config/\(templated.key)", "a test sends values as they are: templates are filled only in a run")
        }
        let id = "action-test-" + UUID().uuidString.lowercased()
        let node = Workflow.Node(id: name, type: name, config: config)
        let run = Run(id: id, workflow: Workflow(id: id, tenant: tenant, name: "action test", nodes: [node], edges: []), createdAt: now())
        let lines = LogLines()
        let context = NodeContext(run: run, node: node, attempt: 1, config: config) { level, text, _ in lines.append("\(level.rawValue): \(text)") }
        do {
            let outcome = try await withThrowingTaskGroup(of: NodeOutcome.self) { group in
                group.addTask { try await type.execute(context) }
                group.addTask {
                    try await Task.sleep(for: type.defaultTimeout)
                    throw ActionFailed(message: "no answer within \(type.defaultTimeout.seconds) s")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
            return ActionResult(output: outcome.output, log: lines.all)
        } catch let failure as ActionFailed {
            throw failure
        } catch let error as BackendUnavailable {
            // Quarry's own store, not the provider: a 503 as on every route.
            throw error
        } catch let error as PermanentNodeError where error.field != nil {
            // The config names what cannot be used (a credential of another type or tenant): the caller's to mend.
            throw InvalidField("/config" + (error.field ?? ""), error.message)
        } catch {
            // A node's failure (its description is its message), as a run's log would show it.
            throw ActionFailed(message: Redaction.redact("\(error)"))
        }
    }
}

extension WorkflowEngine {
    static func holdsTemplate(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): Template.isTemplated(text)
        case .array(let items): items.contains(where: holdsTemplate)
        case .object(let fields): fields.values.contains(where: holdsTemplate)
        default: false
        }
    }
}

/// A test action's log, gathered as it runs.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
