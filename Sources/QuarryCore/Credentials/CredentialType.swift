import Foundation

/// What a kind of credential holds (Docs/CONNECTORS.md): its fields, which of them are secret
/// (sealed at rest, never returned, redacted from logs) and which a credential must have.
public struct CredentialType: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public let name: String
        public let secret: Bool
        public let required: Bool
        public let summary: String

        public init(_ name: String, secret: Bool = false, required: Bool = false, _ summary: String) {
            self.name = name
            self.secret = secret
            self.required = required
            self.summary = summary
        }
    }

    public let name: String
    public let summary: String
    public let fields: [Field]
    /// Fields of which a credential needs at least one (a Slack bot token or a webhook URL).
    public let oneOf: [String]
    /// Fields that come together or not at all (a header's name and its value).
    public let together: [String]

    public init(name: String, summary: String, fields: [Field], oneOf: [String] = [], together: [String] = []) {
        self.name = name
        self.summary = summary
        self.fields = fields
        self.oneOf = oneOf
        self.together = together
    }

    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }

    /// Checks `given` against the fields: an unknown one, a missing required one or an empty
    /// value is an ``InvalidField`` pointing at it under `/fields`.
    public func check(_ given: [String: String]) throws(InvalidField) {
        for name in given.keys.sorted() where field(name) == nil {
            throw InvalidField("/fields/\(name)", "a \(self.name) credential has no field '\(name)' (it has: \(fields.map(\.name).joined(separator: ", ")))")
        }
        for field in fields where field.required {
            guard let value = given[field.name] else { throw InvalidField("/fields/\(field.name)", "a \(name) credential needs '\(field.name)': \(field.summary)") }
            guard !value.isEmpty else { throw InvalidField("/fields/\(field.name)", "'\(field.name)' is empty") }
        }
        if let first = oneOf.first, !oneOf.contains(where: { given[$0]?.isEmpty == false }) {
            throw InvalidField("/fields/\(first)", "a \(name) credential needs one of: \(oneOf.joined(separator: ", "))")
        }
        if together.contains(where: { given[$0] != nil }), let missing = together.first(where: { given[$0]?.isEmpty != false }) {
            throw InvalidField("/fields/\(missing)", "\(together.joined(separator: " and ")) come together: '\(missing)' is missing")
        }
        try checkValues(given)
    }

    /// What each type's values must be, so a credential that could never work is refused when
    /// it is stored rather than at run time.
    func checkValues(_ given: [String: String]) throws(InvalidField) {
        for name in ["base_url", "token_url", "webhook_url"] {
            if let url = given[name], !(url.hasPrefix("https://") || url.hasPrefix("http://")) || URL(string: url)?.host == nil {
                throw InvalidField("/fields/\(name)", "'\(name)' is not an http(s) URL")
            }
        }
        if let rate = given["rate_per_second"], Double(rate).map({ $0 > 0 && $0 <= 100_000 }) != true {
            throw InvalidField("/fields/rate_per_second", "'rate_per_second' is a number above 0 (at most 100000)")
        }
        if let most = given["max_concurrent"], Int(most).map({ (1...10_000).contains($0) }) != true {
            throw InvalidField("/fields/max_concurrent", "'max_concurrent' is a whole number from 1 to 10000")
        }
        switch name {
        case "google_service_account":
            do { _ = try ServiceAccountKey(json: given["key_json"] ?? "") } catch { throw InvalidField("/fields/key_json", "the key cannot be used: \(error.reason)") }
        case "smtp":
            if let port = given["port"], Int(port).map({ (1...65535).contains($0) }) != true {
                throw InvalidField("/fields/port", "'port' is not a port number (1 to 65535)")
            }
            if let security = given["security"], !["starttls", "tls", "none"].contains(security) {
                throw InvalidField("/fields/security", "'security' is one of starttls, tls, none")
            }
        case "twilio":
            if let sid = given["account_sid"], !sid.hasPrefix("AC") { throw InvalidField("/fields/account_sid", "a Twilio account SID begins with AC") }
        default:
            break
        }
    }

    /// Fields every type has: the limits on what is sent through it, when not the connector's defaults.
    public static let limitFields = [
        Field("rate_per_second", "sends a second through this credential, shared by every worker (the connector's default unless told)"),
        Field("max_concurrent", "sends in flight at once through this credential (the connector's default unless told)"),
    ]

    /// The kinds Quarry's connectors use.
    public static let all: [CredentialType] = kinds.map {
        CredentialType(name: $0.name, summary: $0.summary, fields: $0.fields + limitFields, oneOf: $0.oneOf, together: $0.together)
    }

    private static let kinds: [CredentialType] = [
        CredentialType(name: "slack", summary: "A Slack bot token or an incoming-webhook URL", fields: [
            Field("bot_token", secret: true, "xoxb-… token of a Slack app's bot (chat.postMessage)"),
            Field("webhook_url", secret: true, "an incoming-webhook URL (posts to its one channel)"),
            Field("base_url", "the Slack Web API's address; https://slack.com/api unless told"),
        ], oneOf: ["bot_token", "webhook_url"]),
        CredentialType(name: "smtp", summary: "An SMTP server to send email through", fields: [
            Field("host", required: true, "the server's name"),
            Field("port", "587 (STARTTLS) unless told; 465 for implicit TLS"),
            Field("security", "starttls (default), tls or none"),
            Field("username", "the AUTH user"),
            Field("password", secret: true, "the AUTH password"),
            Field("from", required: true, "the sender's address"),
        ], together: ["username", "password"]),
        CredentialType(name: "google_service_account", summary: "A Google service account's JSON key (Sheets)", fields: [
            Field("key_json", secret: true, required: true, "the JSON key file's whole text"),
            Field("token_url", "the OAuth token endpoint; Google's unless told"),
            Field("base_url", "the Sheets API's address; Google's unless told"),
        ]),
        CredentialType(name: "notion", summary: "A Notion integration's token", fields: [
            Field("token", secret: true, required: true, "the integration's secret (secret_… or ntn_…)"),
            Field("base_url", "the Notion API's address; https://api.notion.com unless told"),
        ]),
        CredentialType(name: "twilio", summary: "A Twilio account (SMS, WhatsApp)", fields: [
            Field("account_sid", required: true, "AC…"),
            Field("auth_token", secret: true, required: true, "the account's auth token"),
            Field("from", "the sending number or whatsapp:+…"),
            Field("base_url", "the Twilio API's address; https://api.twilio.com unless told"),
        ]),
        CredentialType(name: "http", summary: "Headers for http_request, such as an API key", fields: [
            Field("authorization", secret: true, "the Authorization header's value"),
            Field("header_name", "another header to send, its name"),
            Field("header_value", secret: true, "that header's value"),
        ], oneOf: ["authorization", "header_value"], together: ["header_name", "header_value"]),
    ]

    public static func named(_ name: String) -> CredentialType? { all.first { $0.name == name } }
}
