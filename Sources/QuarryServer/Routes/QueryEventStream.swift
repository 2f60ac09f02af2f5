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
/// - or `error`: `{"error": {"code", "message"}}`, after which the stream ends.
enum QueryEventStream {
    enum Event: Sendable {
        case query(QueryEvent)
        case done(QueryResponse)
    }

    /// `logger` hears failures that are not the client's or the model's, as ``ErrorMiddleware``
    /// logs them for plain responses (the client only sees `internal`).
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
                if !(failure is QueryError || failure is BackendUnavailable) { logger.error("unhandled error", metadata: ["error": .string(String(reflecting: failure))]) }
                try await writer.write(ByteBuffer(bytes: encode(failure)))
            }
            try await writer.finish(nil)
        })
    }

    static func encode(_ event: Event) -> Data {
        switch event {
        case .query(.retrieved(let citations, let hits)):
            struct Retrieved: Encodable { let citations: [Citation]; let hits: [QueryHit] }
            return frame("retrieved", Retrieved(citations: citations, hits: hits))
        case .query(.answerText(let text)):
            struct Piece: Encodable { let text: String }
            return frame("answer", Piece(text: text))
        case .done(let response):
            return frame("done", response)
        }
    }

    static func encode(_ failure: any Error) -> Data {
        let error: ErrorBody.Detail = switch failure {
        case let query as QueryError: .init(code: QueryRoutes.apiError(query).code, message: query.description)
        case let backend as BackendUnavailable: .init(code: APIError.backendUnavailable(backend).code, message: backend.description)
        default: .init(code: "internal", message: "the query failed")
        }
        return frame("error", ErrorBody(error: error))
    }

    private static func frame(_ name: String, _ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // JSON has no raw newlines outside strings, so one `data:` line carries it.
        let json = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Data("event: \(name)\ndata: ".utf8) + json + Data("\n\n".utf8)
    }
}
