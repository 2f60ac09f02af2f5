import Foundation
import Hummingbird
import QuarryCore
import QuarryWorkflow

/// `/api/v1/actions/{type}/test`: an editor sends one action (a connector node's config, its
/// credential named by id) at once and sees the provider's answer, to check a credential before
/// building a workflow on it. It really sends: a test message is a message.
struct ActionRoutes {
    let engine: WorkflowEngine
    static let maximumBodyBytes = 1 << 20

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/actions/{type}/test") { request, context in
            let principal = try context.require(.editor)
            let type = context.parameters.get("type") ?? ""
            let body = try await request.decodeJSON(ActionTestBody.self, limit: Self.maximumBodyBytes)
            let result = try await engine.testAction(type, config: body.config, tenant: principal.tenant)
            return ActionTestAnswer(type: type, output: result.output, log: result.log)
        }
    }
}
