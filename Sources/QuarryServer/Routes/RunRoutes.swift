import Foundation
import HTTPTypes
import Hummingbird
import QuarryCore
import QuarryWorkflow

/// `/api/v1/runs`: list (by workflow and status), follow one (each node's state, attempts,
/// timings and output; an output too large for the run by its own URL), page through its log, cancel it, rerun it, approve or reject a node
/// that awaits a decision. Viewers read, editors act.
struct RunRoutes {
    let engine: WorkflowEngine

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.get("/runs") { request, context in
            let principal = try context.require(.viewer)
            let page = try Paging(request, defaultLimit: 20, maximumLimit: 100)
            let parameters = request.uri.queryParameters
            var status: Run.Status?
            if let text = parameters.get("status") {
                guard let known = Run.Status(rawValue: text) else {
                    throw RequestError.malformed("query parameter status must be one of \(Run.Status.allCases.map(\.rawValue).joined(separator: ", "))",
                                                 field: "status")
                }
                status = known
            }
            let runs = try await engine.runs(tenant: principal.tenant, workflow: parameters.get("workflow_id"), status: status,
                                             limit: page.limit, offset: page.offset)
            return RunList(runs: runs.map { RunBody($0, workflow: nil, detailed: false) }, limit: page.limit, offset: page.offset)
        }

        api.get("/runs/{id}") { _, context in
            let principal = try context.require(.viewer)
            let run = try await engine.run(context.parameters.get("id") ?? "", tenant: principal.tenant)
            let workflow = try? await engine.workflow(run.workflowId, version: run.workflowVersion, tenant: principal.tenant)
            return RunBody(run, workflow: workflow)
        }

        api.get("/runs/{id}/nodes/{node}/output") { _, context in
            let principal = try context.require(.viewer)
            let node = context.parameters.get("node") ?? ""
            return NodeOutputBody(node: node, output: try await engine.nodeOutput(run: context.parameters.get("id") ?? "", node: node, tenant: principal.tenant))
        }

        api.get("/runs/{id}/logs") { request, context in
            let principal = try context.require(.viewer)
            let limit = try Paging.integer(request, "limit", default: 100, in: 1...1000)
            let after = request.uri.queryParameters.get("after") ?? request.headers[HTTPField.Name("Last-Event-ID")!]
            if request.headers[.accept]?.contains("text/event-stream") == true {
                let run = try await engine.run(context.parameters.get("id") ?? "", tenant: principal.tenant)  // 404 before the stream opens
                return RunLogStream.response(engine: engine, run: run.id, tenant: principal.tenant, after: after, logger: context.logger)
            }
            let lines = try await engine.logs(of: context.parameters.get("id") ?? "", tenant: principal.tenant, after: after, limit: limit)
            return try RunLogList(logs: lines.map(RunLogBody.init), nextAfter: lines.last?.id ?? after).response(from: request, context: context)
        }

        api.post("/runs/{id}/rerun") { request, context in
            let principal = try context.require(.editor)
            let body = try await request.decodeJSON(RerunRequestBody.self, limit: 4096, orWhenEmpty: RerunRequestBody())
            let run = try await engine.rerun(context.parameters.get("id") ?? "", tenant: principal.tenant, from: body.from, version: body.version)
            var headers = HTTPFields()
            headers[.location] = "/api/v1/runs/\(run.id)"
            return EditedResponse(status: .accepted, headers: headers, response: RunBody(run, workflow: nil, detailed: false))
        }

        for (action, approved) in [("approve", true), ("reject", false)] {
            api.post("/runs/{id}/nodes/{node}/\(action)") { request, context in
                let principal = try context.require(.editor)
                // Room for the longest comment allowed (2,000 characters) however it is written:
                // one outside the BMP escaped as a surrogate pair takes 12 bytes.
                let body = try await request.decodeJSON(DecisionRequestBody.self, limit: 32768, orWhenEmpty: DecisionRequestBody())
                let run = try await engine.decide(run: context.parameters.get("id") ?? "", node: context.parameters.get("node") ?? "", approved: approved,
                                                  by: principal.subject, comment: body.comment, tenant: principal.tenant)
                return RunBody(run, workflow: try? await engine.workflow(run.workflowId, version: run.workflowVersion, tenant: principal.tenant))
            }
        }

        api.post("/runs/{id}/cancel") { _, context in
            let principal = try context.require(.editor)
            let run = try await engine.cancel(context.parameters.get("id") ?? "", tenant: principal.tenant)
            return RunBody(run, workflow: try? await engine.workflow(run.workflowId, version: run.workflowVersion, tenant: principal.tenant))
        }
    }
}
