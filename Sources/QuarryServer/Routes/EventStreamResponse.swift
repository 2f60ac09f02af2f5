import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// A `text/event-stream` response fed by a producer: each event is written as it comes; a failure
/// after the stream opened becomes the stream's last frame (``ErrorMap`` says it, as a plain
/// response would); a client that leaves cancels the producer. The query stream and the OpenAI
/// chat stream differ only in how they frame events.
struct EventStreamResponse<Event: Sendable> {
    /// An event as bytes on the wire.
    let encode: @Sendable (Event) -> Data
    /// The frame that ends a failed stream.
    let encodeError: @Sendable (APIError) -> Data
    /// Bytes after the last event of a stream that succeeded (OpenAI's `data: [DONE]`).
    var trailer: Data? = nil

    /// `logger` hears failures nobody foresaw, as ``ErrorMap`` logs them for plain responses (the
    /// client only sees `internal`).
    func response(
        logger: Logger, _ produce: @escaping @Sendable (_ send: @escaping @Sendable (Event) async -> Void) async throws -> Void
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        // nginx would otherwise buffer the stream and deliver it whole.
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let (encode, encodeError, trailer) = (encode, encodeError, trailer)
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
                try await writer.write(ByteBuffer(bytes: encodeError(ErrorMap.apiError(for: failure, logger: logger))))
            } else if let trailer {
                try await writer.write(ByteBuffer(bytes: trailer))
            }
            try await writer.finish(nil)
        })
    }

    /// `value` as JSON on one `data:` line (JSON has no raw newlines outside strings), under `event: name` when given.
    static func frame(_ name: String?, _ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = (try? encoder.encode(value)) ?? Data("{}".utf8)
        let head = name.map { "event: \($0)\n" } ?? ""
        return Data("\(head)data: ".utf8) + json + Data("\n\n".utf8)
    }
}
