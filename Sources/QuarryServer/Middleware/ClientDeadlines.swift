import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// How long a client may take to send what it sends, so that a slow one (slowloris) cannot hold a
/// connection: a request's head must arrive within `header` of the connection opening or of the
/// previous answer ending (this is also how long an idle keep-alive connection stays open), and its
/// body within `body` of its head. Time spent answering is never counted: a long query or an event
/// stream is the server's to take.
public struct ClientDeadlines: Sendable, Equatable {
    public var header: Duration
    public var body: Duration

    public static let standard = ClientDeadlines(header: .seconds(20), body: .seconds(120))

    public init(header: Duration, body: Duration) {
        self.header = header
        self.body = body
    }

    /// Hummingbird's HTTP/1.1 server with these deadlines enforced on every connection.
    public var server: HTTPServerBuilder {
        let deadlines = self
        return .http1(configuration: .init(additionalChannelHandlers: [ClientDeadlineHandler(deadlines)]))
    }
}

/// Raised into a request whose body did not arrive in time: its route stops reading, and the
/// client has been answered 408 (or, when an answer had begun, the connection closed).
struct ClientTooSlow: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "the request body did not arrive within \(limit.components.seconds) s" }
}

/// Sits after HTTP decoding: sees each request's head, body parts and end, and each answer's parts.
final class ClientDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase { case header, body }

    private let deadlines: ClientDeadlines
    private var timer: Scheduled<Void>?
    /// Between a request's head and its end.
    private var readingBody = false
    /// Requests whose head was read and whose answer has not ended (HTTP/1.1 may pipeline).
    private var unanswered = 0
    /// Whether the answer to the request being read has begun: then a 408 can no longer be sent.
    private var answerBegun = false

    init(_ deadlines: ClientDeadlines) {
        self.deadlines = deadlines
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(.header, context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(.header, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingBody = true
            answerBegun = false
            unanswered += 1
            arm(.body, context: context)
        case .body:
            break
        case .end:
            readingBody = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.kind != .informational:
            if readingBody { answerBegun = true }
        case .end:
            unanswered = max(0, unanswered - 1)
            if unanswered == 0, !readingBody { arm(.header, context: context) }
        default:
            break
        }
        context.write(data, promise: promise)
    }

    private func arm(_ phase: Phase, context: ChannelHandlerContext) {
        disarm()
        let limit = phase == .header ? deadlines.header : deadlines.body
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
            timer = nil
            expired(phase, limit: limit, context: context)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    private func expired(_ phase: Phase, limit: Duration, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        switch phase {
        case .header:
            // No request has begun (or only part of its head, which nothing can answer yet):
            // closing is the answer, as nginx's client_header_timeout does.
            context.close(promise: nil)
        case .body:
            let slow = ClientTooSlow(limit: limit)
            // The route reading the body stops with this error instead of waiting on.
            context.fireErrorCaught(slow)
            guard !answerBegun else {
                context.close(promise: nil)
                return
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let body = (try? encoder.encode(ErrorBody(error: .init(code: "request_timeout", message: slow.description, field: nil)))) ?? Data()
            let head = HTTPResponse(status: .requestTimeout, headerFields: [
                .contentType: "application/json; charset=utf-8", .contentLength: String(body.count), .connection: "close",
            ])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
