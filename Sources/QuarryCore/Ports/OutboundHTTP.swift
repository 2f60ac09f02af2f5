import Foundation

/// Sends an HTTP request a user configured (a workflow's `http_request` node, the connectors):
/// the URL goes through the same guard as URL ingest, so private and loopback addresses are
/// refused unless configured; redirects are not followed; nothing is retried (the node's retry
/// policy decides). QuarryHTTP's `GuardedHTTP` implements it on libcurl.
public protocol OutboundHTTP: Sendable {
    func send(_ request: OutboundRequest) async throws(OutboundHTTPError) -> OutboundResponse
}

public struct OutboundRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?
    public var timeout: Duration
    /// A longer response body is an error.
    public var maximumBytes: Int

    public init(method: String, url: String, headers: [(String, String)] = [], body: Data? = nil, timeout: Duration = .seconds(30),
                maximumBytes: Int) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maximumBytes = maximumBytes
    }
}

public struct OutboundResponse: Sendable, Equatable {
    public let status: Int
    public let contentType: String?
    public let body: Data
    /// How long the answer's `Retry-After` asks to wait; nil when it asks for no wait.
    public let retryAfter: Duration?

    public init(status: Int, contentType: String?, body: Data, retryAfter: Duration? = nil) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.retryAfter = retryAfter
    }
}

public enum OutboundHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not an http(s) URL, or it leads to an address that is not allowed.
    case refused(String)
    /// No answer, though the request may have reached the service (a timeout, a dropped connection).
    case unreachable(String)
    /// No connection was made (unresolvable name, refused connection, TLS handshake failed):
    /// nothing was sent.
    case notConnected(String)
    /// The answer's body is over the request's limit.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .refused(let reason): "the URL is refused: \(reason)"
        case .unreachable(let reason), .notConnected(let reason): reason
        case .tooLarge(let limit): "the answer is larger than \(limit) bytes"
        }
    }
}
