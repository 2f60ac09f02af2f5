import Foundation
import Hummingbird
import QuarryCore
import QuarryEngine

/// `/api/v1/index-jobs`: submit many paths (inside the server's `index_root`) and URLs at once
/// (202 with the job), list, follow one with per-stage counts, failures, rate and ETA, cancel.
/// Every call acts on the caller's tenant only.
struct IndexJobRoutes {
    let indexJobs: IndexJobs
    static let maximumBodyBytes = 4 * 1_048_576

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/index-jobs") { request, context in
            let principal = try context.require(.editor)
            let body = try await request.decodeJSON(IndexJobSubmission.self, limit: Self.maximumBodyBytes)
            let job = try await indexJobs.create(paths: body.paths, urls: body.urls, tenant: principal.tenant)
            var headers = HTTPFields()
            headers[.location] = IndexJobBody.statusURL(job.id)
            return EditedResponse(status: .accepted, headers: headers, response: IndexJobBody(job, progress: try await indexJobs.progress(of: job)))
        }

        api.get("/index-jobs") { request, context in
            let principal = try context.require(.viewer)
            let page = try Paging(request, defaultLimit: 20, maximumLimit: 100)
            var bodies: [IndexJobBody] = []
            for job in try await indexJobs.store.indexJobs(tenant: principal.tenant, limit: page.limit, offset: page.offset) {
                bodies.append(IndexJobBody(job, progress: try await indexJobs.progress(of: job), withFailures: false))
            }
            return IndexJobList(indexJobs: bodies, limit: page.limit, offset: page.offset)
        }

        api.get("/index-jobs/{id}") { _, context in
            let principal = try context.require(.viewer)
            let job = try await indexJobs.job(context.parameters.get("id") ?? "", tenant: principal.tenant)
            return IndexJobBody(job, progress: try await indexJobs.progress(of: job))
        }

        api.post("/index-jobs/{id}/cancel") { _, context in
            let principal = try context.require(.editor)
            let canceled = try await indexJobs.cancel(context.parameters.get("id") ?? "", tenant: principal.tenant)
            return IndexJobBody(canceled, progress: try await indexJobs.progress(of: canceled))
        }
    }
}
