import Foundation
import HTTPTypes
import Hummingbird
import QuarryCore
import QuarryWorkflow

/// Webhooks: an editor makes (or remakes) a workflow's secret URL with
/// `POST /api/v1/workflows/{id}/hook` and takes it away with `DELETE`; anyone holding the URL
/// starts a run with `POST /api/v1/hooks/{workflow}/{secret}`, the request body as the trigger's
/// output. The secret is the credential, so that route takes no token; a wrong secret is a 404
/// like an unknown workflow, and the secret itself is shown once and stored only as a digest.
struct HookRoutes {
    let engine: WorkflowEngine
    static let maximumBodyBytes = 1_048_576

    /// The routes that need a token (under the API group).
    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/workflows/{id}/hook") { _, context in
            let principal = try context.require(.editor)
            let id = context.parameters.get("id") ?? ""
            let secret = try await engine.newHookSecret(id, tenant: principal.tenant)
            return EditedResponse(status: .created, response: HookBody(url: "/api/v1/hooks/\(id)/\(secret)"))
        }

        api.delete("/workflows/{id}/hook") { _, context in
            let principal = try context.require(.editor)
            try await engine.deleteHook(context.parameters.get("id") ?? "", tenant: principal.tenant)
            return Response(status: .noContent)
        }
    }

    /// The route the secret guards (on the router, outside the token check).
    func registerPublic(on router: Router<QuarryRequestContext>) {
        router.post("/api/v1/hooks/{workflow}/{secret}") { request, context in
            let body = try await Self.triggerOutput(request)
            let key = request.headers[HTTPField.Name("Idempotency-Key")!]
            if let key, key.isEmpty || key.count > 200 {
                throw RequestError.malformed("the Idempotency-Key header takes 1 to 200 characters", field: "Idempotency-Key")
            }
            let run = try await engine.runHook(workflow: context.parameters.get("workflow") ?? "", secret: context.parameters.get("secret") ?? "",
                                               body: body, idempotencyKey: key)
            return EditedResponse(status: .accepted, response: HookRunBody(runId: run.id, status: run.status))
        }
    }

    /// What the trigger puts out: a JSON body as it is; a form's fields as an object of strings
    /// (what Slack and Twilio send); an empty body as `{}`; other text as `{"text": …}`.
    static func triggerOutput(_ request: Request) async throws -> JSONValue {
        let data = try await request.collectBody(limit: maximumBodyBytes)
        if data.isEmpty { return .object([:]) }
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch mediaType {
        case "application/json", "":
            do {
                return try JSONDecoder().decode(JSONValue.self, from: data)
            } catch {
                throw RequestError.malformed("the body is not JSON; send JSON, a form, or text with its Content-Type")
            }
        case "application/x-www-form-urlencoded":
            var fields: [String: JSONValue] = [:]
            for pair in String(decoding: data, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
                guard let name = parts.first, !name.isEmpty else { continue }
                fields[name] = .string(parts.count > 1 ? parts[1] : "")
            }
            return .object(fields)
        default:
            guard mediaType.hasPrefix("text/"), let text = String(data: data, encoding: .utf8) else {
                throw RequestError.unsupportedMediaType("a webhook takes JSON, a form (application/x-www-form-urlencoded) or UTF-8 text, not \(mediaType.prefix(100))")
            }
            return .object(["text": .string(text)])
        }
    }
}
