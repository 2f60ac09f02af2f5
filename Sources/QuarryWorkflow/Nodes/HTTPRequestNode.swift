import Foundation
import QuarryCore

/// Calls any HTTP endpoint: method, URL, headers, and a JSON, form or text body. The URL goes
/// through the SSRF guard as URL ingest does. Every attempt of the node sends the same
/// `Idempotency-Key` (`<run>:<node>`), so an endpoint that deduplicates by it acts once however
/// often the node runs. Below 400: the answer is the output; 429: the next attempt waits its
/// `Retry-After`; 5xx: the attempt fails and may be retried; other 4xx: the node fails at once
/// (asking again cannot help). Its retries are the node's own `retry` (none by default).
///
/// With `credential` (the id of one of the tenant's `http` credentials), its `authorization` goes
/// as the Authorization header and its `header_name` with its `header_value`; their values are
/// taken out of the node's errors, log and output wherever the answer echoes them.
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
           "idempotency_key": {"type": "boolean", "default": true, "description": "send Idempotency-Key: <run>:<node>"},
           "credential": {"type": "string", "description": "the id of an http credential: its Authorization or other header is sent"}}}
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
    let credentials: Credentials?
    let throttle: Throttle

    /// `credentials`: where a node's `credential` is found; without, a node naming one fails.
    /// `limiter`: where a credential's `rate_per_second` and `max_concurrent` are kept.
    public init(http: any OutboundHTTP, credentials: Credentials? = nil, limiter: (any ActionLimiter)? = nil) {
        self.http = http
        self.credentials = credentials
        throttle = Throttle(limiter: limiter)
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        var headers: [(String, String)] = []
        if case .object(let given) = config["headers"] {
            for (name, value) in given.sorted(by: { $0.key < $1.key }) { headers.append((name, value.string ?? "")) }
        }
        guard let id = config["credential"]?.string else { return NodeOutcome(output: try await send(config, headers: headers, secrets: [], context)) }
        let fields = try await credentials.required().fields(of: id, type: "http", tenant: context.tenant)
        let secrets = Self.credentialHeaders(fields, into: &headers)
        let timeout = timeout(of: context.node)
        // Held to a limit only when the credential asks for one.
        let limited = fields["rate_per_second"] != nil || fields["max_concurrent"] != nil
        let output = try await throttle.send("http:\(id)", Throttle.limit(fields, default: Connectors.httpLimit), within: timeout / 2, limited: limited) {
            try await send(config, headers: headers, secrets: secrets, context)
        }
        // The answer may echo what was sent: the credential's values leave its output (and, by
        // the call, its errors).
        return NodeOutcome(output: Redaction.redact(output, secrets: secrets))
    }

    /// Adds the headers of an http credential's `fields`; the secret values sent, to scrub.
    static func credentialHeaders(_ fields: [String: String], into headers: inout [(String, String)]) -> [String] {
        var secrets: [String] = []
        if let authorization = fields["authorization"] {
            headers.removeAll { $0.0.lowercased() == "authorization" }
            headers.append(("Authorization", authorization))
            // "Bearer <token>": the token alone may come back too.
            secrets += [authorization] + authorization.split(separator: " ").dropFirst().map(String.init)
        }
        if let name = fields["header_name"], let value = fields["header_value"] {
            headers.removeAll { $0.0.lowercased() == name.lowercased() }
            headers.append((name, value))
            secrets.append(value)
        }
        return secrets
    }

    /// Sends the request; the answer as the output has it.
    func send(_ config: [String: JSONValue], headers: [(String, String)], secrets: [String], _ context: NodeContext) async throws -> JSONValue {
        var headers = headers
        var body: Data?
        var contentType: String?
        if let json = config["json"] {
            body = try JSONEncoder().encode(json)
            contentType = "application/json"
        } else if case .object(let fields) = config["form"] {
            body = FormBody.encode(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value.string ?? "") })
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
        let call = ProviderCall(provider: method, http: http, secrets: secrets) { _ in nil }
        let response = try await call.send(method, url, headers: headers, body: body,
                                           timeout: timeout(of: context.node), what: shown)
        guard response.body.count <= Self.maximumResponseBytes else {
            throw PermanentNodeError("\(method) \(shown): the answer is larger than \(Self.maximumResponseBytes) bytes")
        }
        await context.log(.info, "\(method) \(shown) answered \(response.status)", nil)
        let isJSON = response.contentType?.lowercased().contains("json") == true
        let parsed = isJSON ? (try? JSONDecoder().decode(JSONValue.self, from: response.body)) : nil
        return .object([
            "status": .int(Int64(response.status)), "content_type": response.contentType.map(JSONValue.string) ?? .null,
            "body": parsed ?? .string(String(decoding: response.body, as: UTF8.self)),
        ])
    }

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
}
