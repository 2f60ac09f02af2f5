import Foundation
import Hummingbird
import Logging
import QuarryCore
import QuarryEngine

/// The `text/event-stream` of a streamed query, in this order:
/// - `retrieved`: `{"citations": […], "hits": […]}` as soon as retrieval is done;
/// - `answer`: `{"text": "…"}`, zero or more, the answer's text in pieces as it is written
///   (citation markers already checked);
/// - `done`: the whole response, as the non-streaming call returns it;
/// - or `error`: `{"error": {"code", "message", "field"}}` (``ErrorMap``, as a plain response would
///   say it), after which the stream ends.
enum QueryEventStream {
    enum Event: Sendable {
        case query(QueryEvent)
        case done(QueryResponse)
    }

    static func response(
        logger: Logger, _ produce: @escaping @Sendable (_ send: @escaping @Sendable (Event) async -> Void) async throws -> Void
    ) -> Response {
        EventStreamResponse(encode: encode, encodeError: { EventStreamResponse<Event>.frame("error", $0.body) })
            .response(logger: logger, produce)
    }

    static func encode(_ event: Event) -> Data {
        switch event {
        case .query(.retrieved(let citations, let hits)):
            struct Retrieved: Encodable { let citations: [CitationBody]; let hits: [HitBody] }
            return EventStreamResponse<Event>.frame("retrieved", Retrieved(citations: citations.map(CitationBody.init), hits: hits.map(HitBody.init)))
        case .query(.answerText(let text)):
            struct Piece: Encodable { let text: String }
            return EventStreamResponse<Event>.frame("answer", Piece(text: text))
        case .done(let response):
            return EventStreamResponse<Event>.frame("done", QueryResponseBody(response))
        }
    }
}
