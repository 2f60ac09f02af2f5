import Foundation
import Hummingbird
import Metrics
import QuarryCore
import QuarryEngine

/// `POST /api/v1/rag/query`: answer, citations, hits and timings for a question, within the
/// caller's tenant. Latency goes to `rag_query_latency_ms`, the cache's hit ratio to `rag_cache_hit_ratio`.
struct QueryRoutes {
    let retriever: Retriever
    static let latency = Recorder(label: "rag_query_latency_ms", aggregate: true)
    static let hitRatio = Gauge(label: "rag_cache_hit_ratio")

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/rag/query") { request, context in
            let principal = try context.require(.viewer)
            let body: QueryRequest
            do {
                body = try await request.decode(as: QueryRequest.self, context: context)
            } catch let error as QueryError {
                throw APIError.badRequest(error.description)
            }
            let start = ContinuousClock.now
            do {
                let response = try await retriever.query(body, tenant: principal.tenant)
                Self.latency.record((ContinuousClock.now - start).milliseconds)
                if let cache = retriever.cache { Self.hitRatio.record(cache.hitRatio) }
                return QueryResponseBody(response: response)
            } catch let error as QueryError {
                throw APIError.badRequest(error.description)
            }
        }
    }
}

struct QueryResponseBody: ResponseEncodable {
    let response: QueryResponse

    func encode(to encoder: any Encoder) throws { try response.encode(to: encoder) }
}
