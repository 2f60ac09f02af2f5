import Foundation
import QuarryCore

/// Posts a message to Slack with a `slack` credential: `chat.postMessage` with its bot token
/// (text, Block Kit blocks, a reply in a thread), or its incoming webhook. Slack takes no
/// idempotency key, so the send goes through the effect ledger (``EffectOnce``): a node whose
/// worker died mid-send is marked "possibly sent", never posted twice.
///
/// Slack answers most errors with 200 and `{"ok": false, "error": "…"}`: those fail the node
/// at once with Slack's code (`channel_not_found`, `invalid_auth`), but for Slack's own
/// failures (`internal_error`, `fatal_error`, `service_unavailable`), which another attempt may mend.
public struct SlackNode: NodeType {
    public let name = "slack"
    public let queue = "actions"
    public let summary = "Posts a message to a Slack channel or thread (bot token) or through an incoming webhook."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["credential"],
         "anyOf": [{"required": ["text"]}, {"required": ["blocks"]}],
         "properties": {
           "credential": {"type": "string", "minLength": 1, "description": "the id of a slack credential"},
           "via": {"enum": ["bot", "webhook"], "description": "the credential's bot token (chat.postMessage) or its webhook; bot when it has a token"},
           "channel": {"type": "string", "minLength": 1, "maxLength": 200, "description": "a channel id or #name (bot only; a webhook has its own)"},
           "text": {"type": "string", "maxLength": 40000, "description": "the message, in Slack's mrkdwn; with blocks, the notification's text"},
           "blocks": {"type": "array", "maxItems": 50, "items": {"type": "object", "required": ["type"]}, "description": "Block Kit blocks"},
           "thread_ts": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+$", "description": "reply in the thread of this message (bot only)"},
           "unfurl_links": {"type": "boolean"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["via"],
         "properties": {"via": {"enum": ["bot", "webhook"]}, "channel": {"type": "string"}, "ts": {"type": "string"},
                        "thread_ts": {"type": "string"}}}
        """#)
    public let defaultTimeout: Duration = .seconds(30)
    public let defaultRetry: Workflow.RetryPolicy? = Connectors.defaultRetry

    let http: any OutboundHTTP
    let credentials: Credentials?
    let once: EffectOnce
    let throttle: Throttle

    public init(http: any OutboundHTTP, credentials: Credentials?, ledger: (any EffectLedger)?, limiter: (any ActionLimiter)? = nil) {
        self.http = http
        self.credentials = credentials
        once = EffectOnce(ledger: ledger)
        throttle = Throttle(limiter: limiter)
    }

    /// Slack's error codes that mean Slack failed, not the request.
    static let slackFailures: Set<String> = ["internal_error", "fatal_error", "service_unavailable"]

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        let id = config["credential"]?.string ?? ""
        let fields = try await credentials.required().fields(of: id, type: "slack", tenant: context.tenant)
        let call = ProviderCall(provider: "Slack", http: http, secrets: Credentials.secrets(of: fields, type: "slack")) {
            ProviderCall.jsonField("error", of: $0) ?? String(decoding: $0.body.prefix(300), as: UTF8.self)
        }
        let via = config["via"]?.string ?? (fields["bot_token"] != nil ? "bot" : "webhook")
        let timeout = timeout(of: context.node)
        // About one message a second per channel, as Slack asks.
        let key = "slack:\(id):" + (via == "bot" ? config["channel"]?.string ?? "" : "webhook")
        let output = try await throttle.send(key, Throttle.limit(fields, default: Connectors.slackLimit), within: timeout / 2) {
            try await once.send(context, to: "Slack") {
                via == "bot" ? try await post(config, fields: fields, call: call, timeout: timeout)
                             : try await hook(config, fields: fields, call: call, timeout: timeout)
            }
        }
        await context.log(.info, via == "bot" ? "posted with chat.postMessage" : "posted through the webhook", nil)
        return NodeOutcome(output: output)
    }

    /// `chat.postMessage` with the bot token.
    func post(_ config: [String: JSONValue], fields: [String: String], call: ProviderCall, timeout: Duration) async throws -> JSONValue {
        guard let token = fields["bot_token"] else { throw PermanentNodeError("config /via: the credential has no bot_token; use via: webhook") }
        guard let channel = config["channel"]?.string else { throw PermanentNodeError("config /channel: a bot post needs a channel") }
        var body: [String: JSONValue] = ["channel": .string(channel)]
        for field in ["text", "blocks", "thread_ts", "unfurl_links"] { body[field] = config[field] }
        let base = (fields["base_url"] ?? "https://slack.com/api").trimmingSuffix("/")
        let response = try await call.send("POST", base + "/chat.postMessage",
                                           headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json; charset=utf-8")],
                                           body: try JSONEncoder().encode(JSONValue.object(body)), timeout: timeout, what: "chat.postMessage")
        guard case .object(let answer)? = try? JSONDecoder().decode(JSONValue.self, from: response.body) else {
            throw ProviderCall.NotSent(message: "Slack chat.postMessage answered \(response.status) with no JSON")
        }
        guard answer["ok"] == .bool(true) else {
            let code = answer["error"]?.string ?? "unknown_error"
            let message = call.scrubbed("Slack chat.postMessage: \(code)")
            if Self.slackFailures.contains(code) { throw ProviderCall.NotSent(message: message) }
            throw PermanentNodeError(message)
        }
        var output: [String: JSONValue] = ["via": .string("bot"), "channel": answer["channel"] ?? .string(channel), "ts": answer["ts"] ?? .null]
        if let thread = config["thread_ts"] { output["thread_ts"] = thread }
        return .object(output)
    }

    /// The incoming webhook: its URL is the secret, and it posts to its own channel.
    func hook(_ config: [String: JSONValue], fields: [String: String], call: ProviderCall, timeout: Duration) async throws -> JSONValue {
        guard let url = fields["webhook_url"] else { throw PermanentNodeError("config /via: the credential has no webhook_url; use via: bot") }
        var body: [String: JSONValue] = [:]
        for field in ["text", "blocks", "unfurl_links"] { body[field] = config[field] }
        _ = try await call.send("POST", url, headers: [("Content-Type", "application/json; charset=utf-8")],
                                body: try JSONEncoder().encode(JSONValue.object(body)), timeout: timeout, what: "webhook")
        return .object(["via": .string("webhook")])
    }
}

/// What every connector shares.
enum Connectors {
    /// Retries when a node says none: four attempts in all, 2 s, 4 s, 8 s apart (a 429 waits
    /// what the provider asked instead).
    static let defaultRetry = Workflow.RetryPolicy(maxAttempts: 4, backoffSeconds: 2, maxBackoffSeconds: 60)
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
