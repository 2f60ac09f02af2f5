import Crypto
import Foundation
import QuarryCore

/// Sends an email through the SMTP server of an `smtp` credential: text and HTML as one
/// message with the two as alternatives, attachments from the tenant's documents (their
/// original files). The `Message-ID` is made from the run and node, so every attempt sends the
/// same one and a receiving server that has it already drops the resend.
public struct EmailNode: NodeType {
    public let name = "email"
    public let queue = "actions"
    public let summary = "Sends an email (text and HTML, documents attached) through an SMTP server."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["credential", "to", "subject"],
         "anyOf": [{"required": ["text"]}, {"required": ["html"]}],
         "properties": {
           "credential": {"type": "string", "minLength": 1, "description": "the id of an smtp credential"},
           "to": {"type": ["string", "array"], "maxLength": 254, "pattern": "^[^\\s<>@,;\"]+@[^\\s<>@,;\"]+$", "minItems": 1, "maxItems": 100, "items": {"type": "string", "maxLength": 254, "pattern": "^[^\\s<>@,;\"]+@[^\\s<>@,;\"]+$"}},
           "cc": {"type": ["string", "array"], "maxLength": 254, "pattern": "^[^\\s<>@,;\"]+@[^\\s<>@,;\"]+$", "minItems": 1, "maxItems": 100, "items": {"type": "string", "maxLength": 254, "pattern": "^[^\\s<>@,;\"]+@[^\\s<>@,;\"]+$"}},
           "bcc": {"type": ["string", "array"], "maxLength": 254, "pattern": "^[^\\s<>@,;\"]+@[^\\s<>@,;\"]+$", "minItems": 1, "maxItems": 100, "items": {"type": "string", "maxLength": 254, "pattern": "^[^\\s<>@,;\"]+@[^\\s<>@,;\"]+$"}},
           "reply_to": {"type": "string", "maxLength": 254, "pattern": "^[^\\s<>@,;\"]+@[^\\s<>@,;\"]+$"},
           "subject": {"type": "string", "maxLength": 998},
           "text": {"type": "string", "maxLength": 1000000},
           "html": {"type": "string", "maxLength": 1000000},
           "attachments": {"type": "array", "maxItems": 20, "items": {"type": "object", "additionalProperties": false, "required": ["document_id"],
                           "properties": {"document_id": {"type": "string", "minLength": 1}, "filename": {"type": "string", "minLength": 1, "maxLength": 200}}},
                           "description": "the tenant's documents, their original files attached"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["message_id", "recipients"],
         "properties": {"message_id": {"type": "string"}, "recipients": {"type": "integer"}}}
        """#)
    public let defaultTimeout: Duration = .seconds(60)
    public let defaultRetry: Workflow.RetryPolicy? = Connectors.defaultRetry
    /// The most attachment bytes in one message (servers commonly refuse more than 25 MB).
    public static let maximumAttachmentBytes = 20 << 20

    let mail: any MailTransport
    let credentials: Credentials?
    let documents: (any DocumentStore)?
    let throttle: Throttle

    public init(mail: any MailTransport, credentials: Credentials?, documents: (any DocumentStore)?, limiter: (any ActionLimiter)? = nil) {
        self.mail = mail
        self.credentials = credentials
        self.documents = documents
        throttle = Throttle(limiter: limiter)
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        let id = config["credential"]?.string ?? ""
        let fields = try await credentials.required().fields(of: id, type: "smtp", tenant: context.tenant)
        let secrets = Credentials.secrets(of: fields, type: "smtp")
        let from = fields["from"] ?? ""
        let (to, cc, bcc) = (Self.addresses(config["to"]), Self.addresses(config["cc"]), Self.addresses(config["bcc"]))
        let domain = from.split(separator: "@").last.map(String.init) ?? "quarry.localhost"
        let messageID = Hex.encode(SHA256.hash(data: Data(context.idempotencyKey.utf8)).prefix(16)) + ".quarry@" + domain
        let message = MailMessage(from: from, to: to, cc: cc, subject: config["subject"]?.string ?? "", text: config["text"]?.string,
                                  html: config["html"]?.string, attachments: try await attachments(config["attachments"], tenant: context.tenant),
                                  messageID: messageID, date: context.run.createdAt, replyTo: config["reply_to"]?.string)
        let security = MailServer.Security(rawValue: fields["security"] ?? "starttls") ?? .starttls
        let server = MailServer(host: fields["host"] ?? "", port: fields["port"].flatMap { Int($0) } ?? (security == .tls ? 465 : 587),
                                security: security, username: fields["username"], password: fields["password"])
        let timeout = timeout(of: context.node)
        do {
            try await throttle.send("email:\(id)", Throttle.limit(fields, default: Connectors.emailLimit), within: timeout / 2) {
                try await mail.send(OutboundMail(server: server, from: from, recipients: to + cc + bcc, message: message.encoded(), timeout: timeout))
            }
        } catch let error as MailFailure {
            let said = Redaction.redact("SMTP \(server.host):\(server.port): \(error)", secrets: secrets)
            switch error {
            case .refused: throw PermanentNodeError(said)
            // Sent again with the same Message-ID: a server that took it drops the copy.
            case .deferred, .notConnected, .noAnswer: throw ProviderCall.NotSent(message: said)
            }
        }
        await context.log(.info, "sent <\(messageID)> to \(to.count + cc.count + bcc.count) recipients", nil)
        return NodeOutcome(output: .object(["message_id": .string("<\(messageID)>"), "recipients": .int(Int64(to.count + cc.count + bcc.count))]))
    }

    static func addresses(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let one)?: [one]
        case .array(let many)?: many.compactMap(\.string)
        default: []
        }
    }

    /// The documents' original files, named as uploaded.
    func attachments(_ value: JSONValue?, tenant: String) async throws -> [MailMessage.Attachment] {
        guard case .array(let items)? = value, !items.isEmpty else { return [] }
        guard let documents else { throw PermanentNodeError("config /attachments: this worker has no document store") }
        var files: [MailMessage.Attachment] = []
        var total = 0
        for (index, item) in items.enumerated() {
            let id = item.objectValue?["document_id"]?.string ?? ""
            guard let record = try await documents.record(id, tenant: tenant), let data = try await documents.bytes(document: id, tenant: tenant) else {
                throw PermanentNodeError("config /attachments/\(index)/document_id: the tenant has no document '\(id.prefix(100))' with a file")
            }
            total += data.count
            guard total <= Self.maximumAttachmentBytes else {
                throw PermanentNodeError("config /attachments: the files come to more than \(Self.maximumAttachmentBytes >> 20) MB")
            }
            let name = item.objectValue?["filename"]?.string ?? record.source.filename ?? record.title ?? id
            files.append(.init(filename: name, contentType: record.source.mediaType.rawValue, data: data))
        }
        return files
    }
}
