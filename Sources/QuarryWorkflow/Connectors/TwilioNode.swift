import Foundation
import QuarryCore

/// Sends an SMS or WhatsApp message with a `twilio` credential: a form POST to the account's
/// `Messages.json` with basic auth. Every attempt sends the same `I-Twilio-Idempotency-Token`
/// (`<run>:<node>`), so Twilio itself keeps a retried or redelivered node from sending twice.
public struct TwilioNode: NodeType {
    public let name = "twilio"
    public let queue = "actions"
    public let summary = "Sends an SMS or WhatsApp message through Twilio."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["credential", "to"],
         "anyOf": [{"required": ["body"]}, {"required": ["media_url"]}],
         "properties": {
           "credential": {"type": "string", "minLength": 1, "description": "the id of a twilio credential"},
           "channel": {"enum": ["sms", "whatsapp"], "default": "sms", "description": "whatsapp sends To and From as whatsapp:+…"},
           "to": {"type": "string", "pattern": "^(whatsapp:)?\\+[1-9][0-9]{6,14}$", "description": "the recipient, E.164 (+15550100)"},
           "from": {"type": "string", "minLength": 1, "description": "the sender, when not the credential's from"},
           "messaging_service_sid": {"type": "string", "pattern": "^MG[0-9a-fA-F]{32}$", "description": "send from a messaging service instead"},
           "body": {"type": "string", "maxLength": 1600},
           "media_url": {"type": "array", "maxItems": 10, "items": {"type": "string", "format": "uri"}},
           "status_callback": {"type": "string", "pattern": "^https?://", "description": "Twilio posts the message's status changes here"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["sid", "status"],
         "properties": {"sid": {"type": "string"}, "status": {"type": "string"}, "to": {"type": "string"}, "from": {"type": ["string", "null"]}}}
        """#)
    public let defaultTimeout: Duration = .seconds(30)
    public let defaultRetry: Workflow.RetryPolicy? = Connectors.defaultRetry

    let http: any OutboundHTTP
    let credentials: Credentials?
    let throttle: Throttle

    public init(http: any OutboundHTTP, credentials: Credentials?, limiter: (any ActionLimiter)? = nil) {
        self.http = http
        self.credentials = credentials
        throttle = Throttle(limiter: limiter)
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        let id = config["credential"]?.string ?? ""
        let fields = try await credentials.required().fields(of: id, type: "twilio", tenant: context.tenant)
        let call = ProviderCall(provider: "Twilio", http: http, secrets: Credentials.secrets(of: fields, type: "twilio")) { response in
            guard let message = ProviderCall.jsonField("message", of: response) else { return nil }
            let code = (try? JSONDecoder().decode(JSONValue.self, from: response.body))?.objectValue?["code"]?.int
            return message + (code.map { " (error \($0))" } ?? "")
        }
        let whatsapp = config["channel"]?.string == "whatsapp"
        func address(_ number: String) -> String { whatsapp && !number.hasPrefix("whatsapp:") ? "whatsapp:" + number : number }
        var form = [("To", address(config["to"]?.string ?? ""))]
        if let service = config["messaging_service_sid"]?.string {
            form.append(("MessagingServiceSid", service))
        } else if let from = config["from"]?.string ?? fields["from"] {
            form.append(("From", address(from)))
        } else {
            throw PermanentNodeError("config /from: neither the node nor its credential names a sender (from or messaging_service_sid)")
        }
        if let body = config["body"]?.string { form.append(("Body", body)) }
        if case .array(let media) = config["media_url"] { form += media.compactMap(\.string).map { ("MediaUrl", $0) } }
        if let callback = config["status_callback"]?.string { form.append(("StatusCallback", callback)) }

        let account = fields["account_sid"] ?? ""
        let basic = Data("\(account):\(fields["auth_token"] ?? "")".utf8).base64EncodedString()
        let base = (fields["base_url"] ?? "https://api.twilio.com").trimmingSuffix("/")
        let path = "/2010-04-01/Accounts/\(FormBody.escape(account))/Messages.json"
        let timeout = timeout(of: context.node)
        let response = try await throttle.send("twilio:\(id)", Throttle.limit(fields, default: Connectors.twilioLimit), within: timeout / 2) {
            try await call.send("POST", base + path, headers: [
                ("Authorization", "Basic \(basic)"), ("Content-Type", "application/x-www-form-urlencoded"),
                ("I-Twilio-Idempotency-Token", context.idempotencyKey),
            ], body: FormBody.encode(form), timeout: timeout, what: "Messages.json")
        }
        guard case .object(let message)? = try? JSONDecoder().decode(JSONValue.self, from: response.body), let sid = message["sid"]?.string else {
            throw ProviderCall.NotSent(message: "Twilio Messages.json answered \(response.status) with no message")
        }
        await context.log(.info, "Twilio took message \(sid) (\(message["status"]?.string ?? "no status"))", nil)
        return NodeOutcome(output: .object(["sid": .string(sid), "status": message["status"] ?? .null, "to": message["to"] ?? .null,
                                            "from": message["from"] ?? .null]))
    }
}
