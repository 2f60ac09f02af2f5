import Foundation
import Hummingbird
import QuarryCore
import QuarryEngine

/// `/api/v1/index-jobs`: submit many paths (inside the server's `index_root`) and URLs at once
/// (202 with the job), list, follow one with per-stage counts, failures, rate and ETA, cancel.
/// Every call acts on the caller's tenant only.
struct IndexJobRoutes {
    let indexJobs: IndexJobs

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/index-jobs") { request, context in
            let principal = try context.require(.editor)
            let body = try await Self.submission(request)
            let job: IndexJob
            do {
                job = try await indexJobs.create(paths: body.paths, urls: body.urls, tenant: principal.tenant)
            } catch let refusal as IndexJobs.Refusal {
                throw Self.apiError(refusal)
            }
            var headers = HTTPFields()
            headers[.location] = IndexJobBody.statusURL(job.id)
            return EditedResponse(status: .accepted, headers: headers, response: IndexJobBody(job, progress: try await indexJobs.progress(of: job)))
        }

        api.get("/index-jobs") { request, context in
            let principal = try context.require(.viewer)
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 20
            let offset = request.uri.queryParameters.get("offset", as: Int.self) ?? 0
            guard (1...100).contains(limit), offset >= 0 else { throw APIError.badRequest("limit must be 1–100 and offset at least 0") }
            var bodies: [IndexJobBody] = []
            for job in try await indexJobs.store.indexJobs(tenant: principal.tenant, limit: limit, offset: offset) {
                bodies.append(IndexJobBody(job, progress: try await indexJobs.progress(of: job), withFailures: false))
            }
            return IndexJobList(indexJobs: bodies, limit: limit, offset: offset)
        }

        api.get("/index-jobs/{id}") { _, context in
            let principal = try context.require(.viewer)
            let job = try await job(context, tenant: principal.tenant)
            return IndexJobBody(job, progress: try await indexJobs.progress(of: job))
        }

        api.post("/index-jobs/{id}/cancel") { _, context in
            let principal = try context.require(.editor)
            let job = try await job(context, tenant: principal.tenant)
            if try await indexJobs.progress(of: job).status == .completed {
                throw APIError(.conflict, code: "already_completed", message: "index job \(job.id) has completed: nothing to cancel")
            }
            guard let canceled = try await indexJobs.cancel(job.id, tenant: principal.tenant) else {
                throw APIError(.notFound, code: "not_found", message: "no index job \(job.id)")
            }
            return IndexJobBody(canceled, progress: try await indexJobs.progress(of: canceled))
        }
    }

    func job(_ context: QuarryRequestContext, tenant: String) async throws -> IndexJob {
        let id = context.parameters.get("id") ?? ""
        guard let job = try await indexJobs.store.indexJob(id, tenant: tenant) else {
            throw APIError(.notFound, code: "not_found", message: "no index job \(id)")
        }
        return job
    }

    /// `{"paths": […], "urls": […]}`, either may be left out; nothing else.
    struct Submission: Decodable {
        let paths: [String]
        let urls: [String]

        enum CodingKeys: String, CodingKey, CaseIterable { case paths, urls }

        init(from decoder: any Decoder) throws {
            if let unknown = try decoder.unknownKey(among: Set(CodingKeys.allCases.map(\.rawValue))) {
                throw APIError.badRequest("unknown field '\(unknown)'; the fields are paths and urls")
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            paths = try container.decodeIfPresent([String].self, forKey: .paths) ?? []
            urls = try container.decodeIfPresent([String].self, forKey: .urls) ?? []
        }
    }

    static let maximumBodyBytes = 4 * 1_048_576

    static func submission(_ request: Request) async throws -> Submission {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: maximumBodyBytes) } catch {
            throw APIError(.contentTooLarge, code: "too_large", message: "an index job's JSON is limited to 4 MB")
        }
        do {
            return try JSONDecoder().decode(Submission.self, from: Data(buffer: body))
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("the body must be a JSON object {\"paths\": [strings], \"urls\": [strings]}")
        }
    }

    static func apiError(_ refusal: IndexJobs.Refusal) -> APIError {
        switch refusal {
        case .empty, .url, .noDocuments: APIError.badRequest(refusal.description)
        case .pathsDisabled: APIError(.forbidden, code: "paths_disabled", message: refusal.description)
        case .path(.outside): APIError(.forbidden, code: "path_refused", message: refusal.description)
        case .path(.missing): APIError(.notFound, code: "path_not_found", message: refusal.description)
        case .tooMany: APIError(.contentTooLarge, code: "too_many_items", message: refusal.description)
        }
    }
}
