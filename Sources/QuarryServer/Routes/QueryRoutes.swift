import Foundation
import Hummingbird
import Metrics
import QuarryCore
import QuarryEngine

/// `POST /api/v1/rag/query`: answer, citations, hits and timings for a question, within the
/// caller's tenant — one JSON object, or with `stream: true` server-sent events (see
/// ``QueryEventStream``). Latency goes to `rag_query_latency_ms`, the cache's hit ratio to
/// `rag_cache_hit_ratio`, as for every route that asks the retriever (``recordLatency(since:retriever:)``).
struct QueryRoutes {
    let retriever: Retriever
    static let latency = Recorder(label: "rag_query_latency_ms", aggregate: true)
    static let hitRatio = Gauge(label: "rag_cache_hit_ratio")
    static let maximumBodyBytes = 256 * 1024

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/rag/query") { request, context -> Response in
            let principal = try context.require(.viewer)
            let body = try await request.decodeJSON(QueryRequestBody.self, limit: Self.maximumBodyBytes)
            let start = ContinuousClock.now
            // Refused as a plain 4xx before a stream would open.
            let validated = try await retriever.validate(body.request, tenant: principal.tenant)
            if body.stream {
                // Once the stream is open, failures are events.
                return QueryEventStream.response(logger: context.logger) { send in
                    let response = try await answer(validated, since: start) { event in await send(event) }
                    await send(.done(response))
                }
            }
            return try QueryResponseBody(try await answer(validated, since: start)).response(from: request, context: context)
        }
    }

    private func answer(
        _ validated: Retriever.ValidatedQuery, since start: ContinuousClock.Instant,
        events: (@Sendable (QueryEventStream.Event) async -> Void)? = nil
    ) async throws -> QueryResponse {
        var forward: (@Sendable (QueryEvent) async -> Void)?
        if let events { forward = { event in await events(.query(event)) } }
        let response = try await retriever.query(validated, events: forward)
        Self.recordLatency(since: start, retriever: retriever)
        return response
    }

    /// One answered query in the metrics, whichever route asked it.
    static func recordLatency(since start: ContinuousClock.Instant, retriever: Retriever) {
        latency.record((ContinuousClock.now - start).milliseconds)
        if let cache = retriever.cache { hitRatio.record(cache.hitRatio) }
    }
}
