import Foundation
import QuarryCore

/// Calls any HTTP endpoint: method, URL, headers, and a JSON, form or text body. The URL goes
/// through the SSRF guard as URL ingest does. Every attempt of the node sends the same
/// `Idempotency-Key` (`<run>:<node>`), so an endpoint that deduplicates by it acts once however
/// often the node runs. 2xx: the answer is the output; 429 and 5xx: the attempt fails and may be
/// retried; other 4xx: the node fails at once (asking again cannot help).
public struct HTTPRequestNode: NodeType {
    public let name = "http_request"
    public let queue = "actions"
    public let summary = "Calls an HTTP endpoint (JSON, form or text body); the answer's status and body are the output."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["url"],
         "properties": {
           "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"], "default": "POST"},
           "url": {"type": "string", "minLength": 1, "maxLength": 4096},
           "headers": {"type": "object", "additionalProperties": {"type": "string"}},
           "json": {"description": "a JSON body (Content-Type: application/json)"},
           "form": {"type": "object", "additionalProperties": {"type": "string"}, "description": "a form body (application/x-www-form-urlencoded)"},
           "text": {"type": "string", "description": "a text body (text/plain)"},
           "idempotency_key": {"type": "boolean", "default": true, "description": "send Idempotency-Key: <run>:<node>"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["status", "body"],
         "properties": {"status": {"type": "integer"}, "content_type": {"type": ["string", "null"]},
                        "body": {"description": "parsed JSON when the answer is JSON, else its text"}}}
        """#)
    public let defaultTimeout: Duration = .seconds(30)
    /// The longest answer kept (the output limit, less room for the rest).
    public static let maximumResponseBytes = 200 * 1024

    let http: any OutboundHTTP

    public init(http: any OutboundHTTP) {
        self.http = http
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        var headers: [(String, String)] = []
        if case .object(let given) = config["headers"] {
            for (name, value) in given.sorted(by: { $0.key < $1.key }) { headers.append((name, value.string ?? "")) }
        }
        var body: Data?
        var contentType: String?
        if let json = config["json"] {
            body = try JSONEncoder().encode(json)
            contentType = "application/json"
        } else if case .object(let fields) = config["form"] {
            var form = URLComponents()
            form.queryItems = fields.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value.string ?? "") }
            body = Data((form.percentEncodedQuery ?? "").utf8)
            contentType = "application/x-www-form-urlencoded"
        } else if let text = config["text"]?.string {
            body = Data(text.utf8)
            contentType = "text/plain; charset=utf-8"
        }
        if let contentType, !headers.contains(where: { $0.0.lowercased() == "content-type" }) { headers.append(("Content-Type", contentType)) }
        if config["idempotency_key"] != .bool(false) { headers.append(("Idempotency-Key", context.idempotencyKey)) }
        let method = config["method"]?.string ?? "POST"
        let url = config["url"]?.string ?? ""
        let shown = Self.shown(url)
        let response: OutboundResponse
        do {
            response = try await http.send(OutboundRequest(method: method, url: url, headers: headers, body: body,
                                                           timeout: context.node.timeoutSeconds.map { .milliseconds(Int64($0 * 1000)) } ?? defaultTimeout,
                                                           maximumBytes: Self.maximumResponseBytes))
        } catch {
            switch error {
            case .refused, .tooLarge: throw PermanentNodeError("\(method) \(shown): \(error)")
            case .unreachable: throw HTTPStatusFailure(message: "\(method) \(shown): \(error)")
            }
        }
        let text = String(decoding: response.body.prefix(500), as: UTF8.self)
        if response.status == 429 || response.status >= 500 {
            throw HTTPStatusFailure(message: "\(method) \(shown) answered \(response.status): \(text)")
        }
        if response.status >= 400 { throw PermanentNodeError("\(method) \(shown) answered \(response.status): \(text)") }
        await context.log(.info, "\(method) \(shown) answered \(response.status)", nil)
        let isJSON = response.contentType?.lowercased().contains("json") == true
        let parsed = isJSON ? (try? JSONDecoder().decode(JSONValue.self, from: response.body)) : nil
        return NodeOutcome(output: .object([
            "status": .int(Int64(response.status)), "content_type": response.contentType.map(JSONValue.string) ?? .null,
            "body": parsed ?? .string(String(decoding: response.body, as: UTF8.self)),
        ]))
    }

    /// 429 or 5xx: worth another attempt.
    /// The URL as errors and the run log show it: without a user and password, query or
    /// fragment, where tokens travel (`?key=…`); the path stays, as it tells what was called.
    static func shown(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(a URL that does not parse)" }
        let hadQuery = components.percentEncodedQuery != nil
        components.user = nil
        components.password = nil
        components.percentEncodedQuery = nil
        components.fragment = nil
        return (components.string ?? "(a URL)") + (hadQuery ? "?…" : "")
    }

    struct HTTPStatusFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
