import Foundation

/// Sends one email through an SMTP server (libcurl's SMTP in production, Docs/CONNECTORS.md).
public protocol MailTransport: Sendable {
    func send(_ mail: OutboundMail) async throws(MailFailure) -> Void
}

/// An SMTP server and how to reach it.
public struct MailServer: Sendable, Equatable {
    public enum Security: String, Sendable {
        /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
        case starttls
        /// TLS from the first byte (SMTPS, port 465).
        case tls
        /// No TLS at all: only for a relay on a trusted network.
        case none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, security: Security, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
    }
}

public struct OutboundMail: Sendable {
    public var server: MailServer
    /// The envelope's sender and recipients (To, Cc and Bcc together).
    public var from: String
    public var recipients: [String]
    /// The whole message, headers and body, lines ending in CRLF.
    public var message: Data
    public var timeout: Duration

    public init(server: MailServer, from: String, recipients: [String], message: Data, timeout: Duration) {
        self.server = server
        self.from = from
        self.recipients = recipients
        self.message = message
        self.timeout = timeout
    }
}

/// Why a message was not handed over.
public enum MailFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection was made (refused, unresolvable, TLS handshake failed): nothing was sent.
    case notConnected(String)
    /// The server answered 4xx: it may take the message later.
    case deferred(code: Int, reason: String)
    /// The server refused for good: 5xx, or the login was refused.
    case refused(code: Int, reason: String)
    /// The connection dropped or timed out: the server may have taken the message.
    case noAnswer(String)

    public var description: String {
        switch self {
        case .notConnected(let reason): "no connection: \(reason)"
        case .deferred(let code, let reason): "deferred (\(code)): \(reason)"
        case .refused(let code, let reason): code == 0 ? "refused: \(reason)" : "refused (\(code)): \(reason)"
        case .noAnswer(let reason): "no answer: \(reason)"
        }
    }
}
