import Foundation
import Hummingbird
import Logging
import QuarryCore
import QuarryEngine

/// `POST /v1/chat/completions`, OpenAI-compatible: the last user message is the query, answered
/// from the caller's tenant through the same retriever as `POST /api/v1/rag/query`, so every
/// OpenAI client and agent framework can ask Quarry. Streamed (`stream: true`) as OpenAI streams:
/// `data:` chunks, then `data: [DONE]`; a failure after the stream opened is a `data: {"error": …}`
/// frame, which OpenAI's clients raise.
struct ChatCompletionsRoutes {
    let retriever: Retriever
    static let maximumBodyBytes = 256 * 1024

    func register(on group: RouterGroup<QuarryRequestContext>) {
        group.post("/chat/completions") { request, context -> Response in
            let principal = try context.require(.viewer)
            let body = try await request.decodeJSON(ChatCompletionRequest.self, limit: Self.maximumBodyBytes)
            guard let model = ServedChatModel(rawValue: body.model) else {
                throw APIError(.notFound, code: "model_not_found",
                               message: "model '\(body.model.prefix(200))' is not served here; chat models are \(ServedChatModel.allCases.map(\.rawValue).joined(separator: ", "))",
                               field: "/model")
            }
            let start = ContinuousClock.now
            let validated = try await retriever.validate(body.queryRequest(answer: model.answerMode(of: retriever)),
                                                         tenant: principal.tenant)
            let id = "chatcmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let created = Int(Date().timeIntervalSince1970)
            if body.stream {
                return Self.stream(id: id, created: created, model: model.rawValue, logger: context.logger) { send in
                    _ = try await retriever.query(validated) { event in await send(event) }
                    QueryRoutes.recordLatency(since: start, retriever: retriever)
                }
            }
            let response = try await retriever.query(validated)
            QueryRoutes.recordLatency(since: start, retriever: retriever)
            return try ChatCompletionBody(id: id, created: created, model: model.rawValue, response: response).response(from: request, context: context)
        }
    }

    /// The query's events as `chat.completion.chunk`s: the sources open the message, each piece of
    /// the answer is a delta, the end is an empty delta with `finish_reason: "stop"`.
    static func stream(
        id: String, created: Int, model: String, logger: Logger,
        _ produce: @escaping @Sendable (_ send: @escaping @Sendable (QueryEvent) async -> Void) async throws -> Void
    ) -> Response {
        @Sendable func chunk(_ delta: ChatCompletionChunkBody.Delta, finish: String? = nil, citations: [Citation]? = nil) -> Data {
            EventStreamResponse<QueryEvent?>.frame(nil, ChatCompletionChunkBody(
                id: id, created: created, model: model, choices: [.init(delta: delta, finishReason: finish)], citations: citations?.map(CitationBody.init)
            ))
        }
        // nil is the end of the answer.
        let stream = EventStreamResponse<QueryEvent?>(
            encode: { event in
                switch event {
                case .retrieved(let citations, _): chunk(.init(role: "assistant", content: ""), citations: citations)
                case .answerText(let text): chunk(.init(content: text))
                case nil: chunk(.init(), finish: "stop")
                }
            },
            encodeError: { EventStreamResponse<QueryEvent?>.frame(nil, OpenAIErrorBody($0)) },
            trailer: Data("data: [DONE]\n\n".utf8)
        )
        return stream.response(logger: logger) { send in
            try await produce { await send($0) }
            await send(nil)
        }
    }
}
