import Foundation
import HTTPTypes
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

    /// `logger` hears failures nobody foresaw, as ``ErrorMap`` logs them for plain responses (the
    /// client only sees `internal`).
    static func response(
        logger: Logger, _ produce: @escaping @Sendable (_ send: @escaping @Sendable (Event) async -> Void) async throws -> Void
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        // nginx would otherwise buffer the stream and deliver it whole.
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let (events, sink) = AsyncStream<Event>.makeStream()
            let producer = Task { () -> (any Error)? in
                defer { sink.finish() }
                do {
                    try await produce { sink.yield($0) }
                } catch {
                    return error
                }
                return nil
            }
            do {
                for await event in events { try await writer.write(ByteBuffer(bytes: encode(event))) }
            } catch {
                producer.cancel()  // the client left: stop generating for nobody
                throw error
            }
            if let failure = await producer.value {
                try await writer.write(ByteBuffer(bytes: frame("error", ErrorMap.apiError(for: failure, logger: logger).body)))
            }
            try await writer.finish(nil)
        })
    }

    static func encode(_ event: Event) -> Data {
        switch event {
        case .query(.retrieved(let citations, let hits)):
            struct Retrieved: Encodable { let citations: [CitationBody]; let hits: [HitBody] }
            return frame("retrieved", Retrieved(citations: citations.map(CitationBody.init), hits: hits.map(HitBody.init)))
        case .query(.answerText(let text)):
            struct Piece: Encodable { let text: String }
            return frame("answer", Piece(text: text))
        case .done(let response):
            return frame("done", QueryResponseBody(response))
        }
    }

    private static func frame(_ name: String, _ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // JSON has no raw newlines outside strings, so one `data:` line carries it.
        let json = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Data("event: \(name)\ndata: ".utf8) + json + Data("\n\n".utf8)
    }
}
