import Foundation
import Hummingbird
import Metrics
import QuarryCore
import QuarryEngine

/// `POST /api/v1/rag/query`: answer, citations, hits and timings for a question, within the
/// caller's tenant — one JSON object, or with `stream: true` server-sent events (see
/// ``QueryEventStream``). Latency goes to `rag_query_latency_ms`, the cache's hit ratio to
/// `rag_cache_hit_ratio`.
struct QueryRoutes {
    let retriever: Retriever
    static let latency = Recorder(label: "rag_query_latency_ms", aggregate: true)
    static let hitRatio = Gauge(label: "rag_cache_hit_ratio")

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/rag/query") { request, context -> Response in
            let principal = try context.require(.viewer)
            let body: QueryRequest
            do {
                body = try await request.decode(as: QueryRequest.self, context: context)
            } catch let error as QueryError {
                throw APIError.badRequest(error.description)
            }
            if body.stream {
                // Refusals are plain 4xx responses; once the stream is open, failures are events.
                do { try await retriever.validate(body, tenant: principal.tenant) } catch let error as QueryError { throw Self.apiError(error) }
                return QueryEventStream.response(logger: context.logger) { send in
                    let response = try await answer(body, tenant: principal.tenant) { event in await send(event) }
                    await send(.done(response))
                }
            }
            do {
                return try QueryResponseBody(response: try await answer(body, tenant: principal.tenant)).response(from: request, context: context)
            } catch let error as QueryError {
                throw Self.apiError(error)
            }
        }
    }

    private func answer(_ body: QueryRequest, tenant: String, events: (@Sendable (QueryEventStream.Event) async -> Void)? = nil) async throws -> QueryResponse {
        let start = ContinuousClock.now
        var forward: (@Sendable (QueryEvent) async -> Void)?
        if let events { forward = { event in await events(.query(event)) } }
        let response = try await retriever.query(body, tenant: tenant, events: forward)
        Self.latency.record((ContinuousClock.now - start).milliseconds)
        if let cache = retriever.cache { Self.hitRatio.record(cache.hitRatio) }
        return response
    }

    static func apiError(_ error: QueryError) -> APIError {
        if case .modelFailed = error { return APIError(.badGateway, code: "llm_unavailable", message: error.description) }
        return APIError.badRequest(error.description)
    }
}

struct QueryResponseBody: ResponseEncodable {
    let response: QueryResponse

    func encode(to encoder: any Encoder) throws { try response.encode(to: encoder) }
}
