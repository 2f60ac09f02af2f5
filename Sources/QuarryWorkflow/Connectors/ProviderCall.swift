import Foundation
import QuarryCore

/// One request to a provider's API, its answer turned into what every connector does with it
/// (Docs/CONNECTORS.md, "Delivery rules"):
/// - 2xx and 3xx: the answer, for the connector to read;
/// - 429: ``RetryLater`` after exactly the `Retry-After` the provider asked for (1 s when it
///   asked for none);
/// - 5xx, no connection, no answer in time: a failure the node's retry policy tries again;
/// - any other 4xx (401 included): ``PermanentNodeError`` with the provider's own message, so
///   a bad token fails once and never storms;
/// - a refused URL (private address) or an answer over the limit: ``PermanentNodeError``.
///
/// Every message leaves with the credential's secrets taken out.
struct ProviderCall: Sendable {
    /// The provider as people name it ("Slack").
    let provider: String
    let http: any OutboundHTTP
    /// The credential's secret values, scrubbed from every message.
    let secrets: [String]
    /// The provider's own words for an error answer, read from its body; nil when it has none.
    let explain: @Sendable (OutboundResponse) -> String?

    /// The wait after a 429 that names none.
    static let defaultRetryAfter: Duration = .seconds(1)
    /// The longest answer read.
    static let maximumBytes = 1 << 20

    func send(_ method: String, _ url: String, headers: [(String, String)], body: Data?, timeout: Duration, what: String) async throws -> OutboundResponse {
        let response: OutboundResponse
        do {
            response = try await http.send(OutboundRequest(method: method, url: url, headers: headers, body: body, timeout: timeout,
                                                           maximumBytes: Self.maximumBytes))
        } catch {
            switch error {
            case .refused, .tooLarge: throw PermanentNodeError(scrubbed("\(provider) \(what): \(error)"))
            case .notConnected(let reason): throw NotSent(message: scrubbed("\(provider) \(what): \(reason)"))
            case .unreachable(let reason): throw NoAnswer(message: scrubbed("\(provider) \(what): no answer: \(reason)"))
            }
        }
        guard response.status >= 400 else { return response }
        let said = explain(response) ?? String(decoding: response.body.prefix(300), as: UTF8.self)
        let message = scrubbed("\(provider) \(what) answered \(response.status): \(said)")
        switch response.status {
        case 429: throw RetryLater(message, after: response.retryAfter ?? Self.defaultRetryAfter)
        case 500...: throw NotSent(message: message)
        default: throw PermanentNodeError(message)
        }
    }

    func scrubbed(_ text: String) -> String { Redaction.redact(text, secrets: secrets) }

    /// The provider answered with an error or no connection was made: it did not act, and
    /// another attempt may.
    struct NotSent: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// The request may have reached the provider, but no answer came (a timeout, a dropped
    /// connection): whether it acted is unknown.
    struct NoAnswer: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

extension ProviderCall {
    /// A JSON body's top-level string `field`, for ``explain``.
    static func jsonField(_ field: String, of response: OutboundResponse) -> String? {
        guard case .object(let body)? = try? JSONDecoder().decode(JSONValue.self, from: response.body) else { return nil }
        return body[field]?.string
    }
}
