import Crypto
import Foundation
import QuarryCore
import Synchronization

/// Appends rows to a Google Sheet with a `google_service_account` credential: the account's key
/// signs an RS256 assertion, exchanged at the token endpoint for an access token that is kept
/// until a minute before it expires, then `spreadsheets.values.append`. Sheets takes no
/// idempotency key, so the append goes through the effect ledger (``EffectOnce``).
public struct SheetsNode: NodeType {
    public let name = "google_sheets"
    public let queue = "actions"
    public let summary = "Appends rows to a Google Sheet (spreadsheets.values.append) as a service account."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["credential", "spreadsheet_id"],
         "anyOf": [{"required": ["values"]}, {"required": ["row"]}],
         "properties": {
           "credential": {"type": "string", "minLength": 1, "description": "the id of a google_service_account credential"},
           "spreadsheet_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "description": "the id in the sheet's URL"},
           "range": {"type": "string", "minLength": 1, "default": "Sheet1", "description": "the table to append after, A1 notation (Sheet1 or Sheet1!A:D)"},
           "row": {"type": "array", "items": {"type": ["string", "number", "boolean", "null"]}, "description": "one row"},
           "values": {"type": "array", "maxItems": 10000, "items": {"type": "array", "items": {"type": ["string", "number", "boolean", "null"]}},
                      "description": "rows"},
           "value_input_option": {"enum": ["RAW", "USER_ENTERED"], "default": "USER_ENTERED", "description": "USER_ENTERED parses as if typed (numbers, dates, formulas)"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["updated_range"],
         "properties": {"updated_range": {"type": "string"}, "updated_rows": {"type": "integer"}, "table_range": {"type": ["string", "null"]}}}
        """#)
    public let defaultTimeout: Duration = .seconds(30)
    public let defaultRetry: Workflow.RetryPolicy? = Connectors.defaultRetry
    static let scope = "https://www.googleapis.com/auth/spreadsheets"

    let http: any OutboundHTTP
    let credentials: Credentials?
    let once: EffectOnce
    let throttle: Throttle
    let tokens = AccessTokens()

    public init(http: any OutboundHTTP, credentials: Credentials?, ledger: (any EffectLedger)?, limiter: (any ActionLimiter)? = nil) {
        self.http = http
        self.credentials = credentials
        once = EffectOnce(ledger: ledger)
        throttle = Throttle(limiter: limiter)
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        let id = config["credential"]?.string ?? ""
        let fields = try await credentials.required().fields(of: id, type: "google_service_account", tenant: context.tenant)
        let key: ServiceAccountKey
        do { key = try ServiceAccountKey(json: fields["key_json"] ?? "") } catch {
            throw PermanentNodeError("config /credential: the service account key cannot be used: \(error.reason)")
        }
        let call = ProviderCall(provider: "Google Sheets", http: http, secrets: Credentials.secrets(of: fields, type: "google_service_account")) { response in
            // {"error": {"code": 400, "message": "…", "status": "INVALID_ARGUMENT"}}, or the token endpoint's {"error": "invalid_grant", "error_description": "…"}
            let body = (try? JSONDecoder().decode(JSONValue.self, from: response.body))?.objectValue
            if let error = body?["error"]?.objectValue { return [error["status"]?.string, error["message"]?.string].compactMap { $0 }.joined(separator: ": ") }
            return [body?["error"]?.string, body?["error_description"]?.string].compactMap { $0 }.joined(separator: ": ").nilIfEmpty
        }
        let timeout = timeout(of: context.node)
        let token = try await accessToken(key, tokenURL: fields["token_url"] ?? key.tokenURI, call: call, timeout: timeout)
        let rows: JSONValue = config["values"] ?? .array([config["row"] ?? .array([])])
        let range = config["range"]?.string ?? "Sheet1"
        let base = (fields["base_url"] ?? "https://sheets.googleapis.com").trimmingSuffix("/")
        let option = config["value_input_option"]?.string ?? "USER_ENTERED"
        let url = base + "/v4/spreadsheets/\(FormBody.escape(config["spreadsheet_id"]?.string ?? ""))/values/\(FormBody.escape(range)):append" +
            "?valueInputOption=\(option)&insertDataOption=INSERT_ROWS"
        let output = try await throttle.send("sheets:\(id)", Throttle.limit(fields, default: Connectors.sheetsLimit), within: timeout / 2) {
          try await once.send(context, to: "Google Sheets") {
            let response = try await call.send("POST", url, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                                               body: try JSONEncoder().encode(JSONValue.object(["values": rows, "majorDimension": .string("ROWS")])),
                                               timeout: timeout, what: "values.append")
            let answer = (try? JSONDecoder().decode(JSONValue.self, from: response.body))?.objectValue ?? [:]
            let updates = answer["updates"]?.objectValue ?? [:]
            return .object(["updated_range": updates["updatedRange"] ?? .string(range), "updated_rows": updates["updatedRows"] ?? .int(0),
                            "table_range": answer["tableRange"] ?? .null])
          }
        }
        await context.log(.info, "appended to \(output.objectValue?["updated_range"]?.string ?? range)", nil)
        return NodeOutcome(output: output)
    }

    /// An access token for `key`: the one kept while it has more than a minute left, else one
    /// exchanged anew; nodes asking at once share one exchange.
    func accessToken(_ key: ServiceAccountKey, tokenURL: String, call: ProviderCall, timeout: Duration) async throws -> String {
        let slot = Hex.encode(SHA256.hash(data: Data("\(key.clientEmail)\n\(key.privateKeyID ?? "")\n\(tokenURL)".utf8)))
        return try await tokens.token(slot, at: Date()) {
            let assertion = try key.assertion(scope: Self.scope, audience: tokenURL, at: Date())
            let response = try await call.send("POST", tokenURL, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                               body: FormBody.encode([("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)]),
                                               timeout: timeout, what: "token exchange")
            let answer = (try? JSONDecoder().decode(JSONValue.self, from: response.body))?.objectValue ?? [:]
            guard let token = answer["access_token"]?.string else {
                throw ProviderCall.NotSent(message: "Google's token endpoint answered with no access_token")
            }
            return (token, Date().addingTimeInterval(Double(answer["expires_in"]?.int ?? 3600) - 60))
        }
    }

    /// Access tokens by key, shared by the node's attempts in this process.
    final class AccessTokens: Sendable {
        typealias Token = (value: String, until: Date)
        enum Entry {
            case kept(Token)
            case coming(Task<Token, any Error>)
        }

        private let entries = Mutex<[String: Entry]>([:])

        func token(_ slot: String, at date: Date, exchange: @escaping @Sendable () async throws -> Token) async throws -> String {
            let found: Entry = entries.withLock { entries in
                switch entries[slot] {
                case .kept(let token) where token.until > date:
                    return .kept(token)
                case .coming(let task):
                    return .coming(task)
                default:
                    let task = Task { try await exchange() }
                    entries[slot] = .coming(task)
                    return .coming(task)
                }
            }
            let exchanging: Task<Token, any Error>
            switch found {
            case .kept(let token): return token.value
            case .coming(let task): exchanging = task
            }
            do {
                let token = try await exchanging.value
                entries.withLock { if case .coming = $0[slot] { $0[slot] = .kept(token) } }
                return token.value
            } catch {
                entries.withLock { $0[slot] = nil }
                throw error
            }
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
