import Foundation
import QuarryCore

/// Writes to Notion with a `notion` credential: `create_page` makes a page in a database (its
/// properties, and blocks as its content), `append_blocks` adds blocks to a page or block. Every
/// request names the API version it was written for (`Notion-Version`). Notion takes no
/// idempotency key, so the write goes through the effect ledger (``EffectOnce``).
///
/// For the common case, `title` fills the database's title property (`title_property`, "Name"
/// unless told) and `content` becomes paragraphs, one per blank-line-separated part.
public struct NotionNode: NodeType {
    public let name = "notion"
    public let queue = "actions"
    public let summary = "Creates a page in a Notion database, or appends blocks to a page."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["credential"],
         "properties": {
           "credential": {"type": "string", "minLength": 1, "description": "the id of a notion credential"},
           "action": {"enum": ["create_page", "append_blocks"], "default": "create_page"},
           "database_id": {"type": "string", "minLength": 1, "description": "create_page: the database the page goes in"},
           "block_id": {"type": "string", "minLength": 1, "description": "append_blocks: the page or block to append to"},
           "title": {"type": "string", "maxLength": 2000, "description": "the page's title (create_page)"},
           "title_property": {"type": "string", "minLength": 1, "default": "Name", "description": "the database's title property"},
           "properties": {"type": "object", "description": "more property values, in Notion's shape ({\"Tags\": {\"multi_select\": [{\"name\": \"x\"}]}})"},
           "content": {"type": "string", "maxLength": 200000, "description": "text made into paragraph blocks"},
           "children": {"type": "array", "maxItems": 100, "items": {"type": "object", "required": ["type"]}, "description": "blocks, in Notion's shape"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object",
         "properties": {"id": {"type": "string"}, "url": {"type": ["string", "null"]},
                        "block_ids": {"type": "array", "items": {"type": "string"}}}}
        """#)
    public let defaultTimeout: Duration = .seconds(30)
    public let defaultRetry: Workflow.RetryPolicy? = Connectors.defaultRetry
    /// The API version these requests are written for.
    public static let version = "2022-06-28"
    /// Notion's limits: characters in one rich-text item, blocks in one request.
    static let textLimit = 2000
    static let blockLimit = 100

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

    public func violation(in config: [String: JSONValue]) -> SchemaCheck.Violation? {
        let action = config["action"]?.string ?? "create_page"
        if action == "create_page", config["database_id"] == nil { return .init(pointer: "/database_id", message: "create_page needs a database_id") }
        if action == "append_blocks", config["block_id"] == nil { return .init(pointer: "/block_id", message: "append_blocks needs a block_id") }
        return nil
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        if let violation = violation(in: config) { throw PermanentNodeError("config \(violation)") }
        let id = config["credential"]?.string ?? ""
        let fields = try await credentials.required().fields(of: id, type: "notion", tenant: context.tenant)
        let call = ProviderCall(provider: "Notion", http: http, secrets: Credentials.secrets(of: fields, type: "notion")) { response in
            ProviderCall.jsonField("message", of: response).map { message in
                (ProviderCall.jsonField("code", of: response).map { "\($0): " } ?? "") + message
            }
        }
        let blocks = Self.paragraphs(config["content"]?.string ?? "") + (config["children"]?.arrayValue ?? [])
        guard blocks.count <= Self.blockLimit else {
            throw PermanentNodeError("config /content: \(blocks.count) blocks; Notion takes at most \(Self.blockLimit) in one request")
        }
        let base = (fields["base_url"] ?? "https://api.notion.com").trimmingSuffix("/")
        let headers = [("Authorization", "Bearer \(fields["token"] ?? "")"), ("Notion-Version", Self.version),
                       ("Content-Type", "application/json")]
        let timeout = timeout(of: context.node)
        let output = try await throttle.send("notion:\(id)", Throttle.limit(fields, default: Connectors.notionLimit), within: timeout / 2) {
          try await once.send(context, to: "Notion") {
            if config["action"]?.string == "append_blocks" {
                let block = FormBody.escape(config["block_id"]?.string ?? "")
                let response = try await call.send("PATCH", base + "/v1/blocks/\(block)/children", headers: headers,
                                                   body: try JSONEncoder().encode(JSONValue.object(["children": .array(blocks)])), timeout: timeout,
                                                   what: "blocks.children.append")
                let ids = (Self.answer(response)["results"]?.arrayValue ?? []).compactMap { $0.objectValue?["id"] }
                return .object(["block_ids": .array(ids)])
            }
            var properties = config["properties"]?.objectValue ?? [:]
            if let title = config["title"]?.string {
                properties[config["title_property"]?.string ?? "Name"] = .object(["title": .array(Self.richText(title))])
            }
            var page: [String: JSONValue] = ["parent": .object(["database_id": config["database_id"] ?? .null]), "properties": .object(properties)]
            if !blocks.isEmpty { page["children"] = .array(blocks) }
            let response = try await call.send("POST", base + "/v1/pages", headers: headers, body: try JSONEncoder().encode(JSONValue.object(page)),
                                               timeout: timeout, what: "pages.create")
            let answer = Self.answer(response)
            return .object(["id": answer["id"] ?? .null, "url": answer["url"] ?? .null])
          }
        }
        await context.log(.info, config["action"]?.string == "append_blocks" ? "appended blocks in Notion" : "created a Notion page", nil)
        return NodeOutcome(output: output)
    }

    static func answer(_ response: OutboundResponse) -> [String: JSONValue] {
        (try? JSONDecoder().decode(JSONValue.self, from: response.body))?.objectValue ?? [:]
    }

    /// `text` as rich-text items of at most ``textLimit`` characters each.
    static func richText(_ text: String) -> [JSONValue] {
        var items: [JSONValue] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let piece = rest.prefix(textLimit)
            items.append(.object(["type": .string("text"), "text": .object(["content": .string(String(piece))])]))
            rest = rest.dropFirst(piece.count)
        }
        return items
    }

    /// One paragraph block per part of `text` between blank lines.
    static func paragraphs(_ text: String) -> [JSONValue] {
        text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.map { part in
            .object(["object": .string("block"), "type": .string("paragraph"), "paragraph": .object(["rich_text": .array(richText(part))])])
        }
    }
}
