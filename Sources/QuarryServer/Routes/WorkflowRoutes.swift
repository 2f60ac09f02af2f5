import Foundation
import HTTPTypes
import Hummingbird
import QuarryCore
import QuarryWorkflow

/// `/api/v1/workflows`: create (or import an exported body), list, read, change (a new version
/// each time), delete; read old versions; start a run; and `/api/v1/node-types`, what the
/// builder and the checks know of each node type. Viewers read, editors write and run.
struct WorkflowRoutes {
    let engine: WorkflowEngine
    static let maximumBodyBytes = 1_048_576
    static let maximumInputsBytes = 1_048_576

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/workflows") { request, context in
            let principal = try context.require(.editor)
            let body = try await request.decodeJSON(WorkflowBody.self, limit: Self.maximumBodyBytes)
            let created = try await engine.create(body.workflow(id: body.id ?? Self.newID(), tenant: principal.tenant))
            var headers = HTTPFields()
            headers[.location] = "/api/v1/workflows/\(created.id)"
            return EditedResponse(status: .created, headers: headers, response: WorkflowBody(created))
        }

        api.get("/workflows") { request, context in
            let principal = try context.require(.viewer)
            let page = try Paging(request, defaultLimit: 20, maximumLimit: 100)
            let workflows = try await engine.workflows(tenant: principal.tenant, limit: page.limit, offset: page.offset)
            return WorkflowList(workflows: workflows.map(WorkflowBody.init), limit: page.limit, offset: page.offset)
        }

        api.get("/workflows/{id}") { _, context in
            let principal = try context.require(.viewer)
            return WorkflowBody(try await engine.workflow(context.parameters.get("id") ?? "", tenant: principal.tenant))
        }

        api.put("/workflows/{id}") { request, context in
            let principal = try context.require(.editor)
            let id = context.parameters.get("id") ?? ""
            let body = try await request.decodeJSON(WorkflowBody.self, limit: Self.maximumBodyBytes)
            if let named = body.id, named != id {
                throw RequestError.malformed("the body names workflow \(named.prefix(100)), the path \(id.prefix(100))", field: "/id")
            }
            return WorkflowBody(try await engine.update(body.workflow(id: id, tenant: principal.tenant), over: body.version))
        }

        api.delete("/workflows/{id}") { _, context in
            let principal = try context.require(.editor)
            try await engine.delete(context.parameters.get("id") ?? "", tenant: principal.tenant)
            return Response(status: .noContent)
        }

        api.get("/workflows/{id}/versions") { request, context in
            let principal = try context.require(.viewer)
            let page = try Paging(request, defaultLimit: 20, maximumLimit: 100)
            let versions = try await engine.versions(of: context.parameters.get("id") ?? "", tenant: principal.tenant, limit: page.limit, offset: page.offset)
            return WorkflowVersionList(versions: versions.map(WorkflowBody.init), limit: page.limit, offset: page.offset)
        }

        api.get("/workflows/{id}/versions/{version}") { _, context in
            let principal = try context.require(.viewer)
            let id = context.parameters.get("id") ?? ""
            // A version that is no number names no version: 404, as an unknown one.
            guard let version = context.parameters.get("version").flatMap(Int.init), version >= 1 else {
                throw NotFound("version \(context.parameters.get("version")?.prefix(20) ?? "") of workflow", id: id)
            }
            return WorkflowBody(try await engine.workflow(id, version: version, tenant: principal.tenant))
        }

        api.post("/workflows/{id}/run") { request, context in
            let principal = try context.require(.editor)
            let body = try await Self.runRequest(request)
            let key = request.headers[HTTPField.Name("Idempotency-Key")!]
            if let key, key.isEmpty || key.count > 200 {
                throw RequestError.malformed("the Idempotency-Key header takes 1 to 200 characters", field: "Idempotency-Key")
            }
            let run = try await engine.run(context.parameters.get("id") ?? "", tenant: principal.tenant, inputs: body.inputs, idempotencyKey: key)
            var headers = HTTPFields()
            headers[.location] = "/api/v1/runs/\(run.id)"
            return EditedResponse(status: .accepted, headers: headers, response: RunBody(run, workflow: nil, detailed: false))
        }

        api.get("/node-types") { _, context in
            _ = try context.require(.viewer)
            return NodeTypeList(nodeTypes: engine.registry.types.values.sorted { $0.name < $1.name }.map(NodeTypeBody.init))
        }
    }

    /// The run's inputs: an empty body is none.
    static func runRequest(_ request: Request) async throws -> RunRequestBody {
        if let length = request.headers[.contentLength].flatMap(Int.init), length == 0 { return RunRequestBody() }
        return try await request.decodeJSON(RunRequestBody.self, limit: maximumInputsBytes)
    }

    static func newID() -> String { "wf-" + UUID().uuidString.lowercased().prefix(13) }
}
