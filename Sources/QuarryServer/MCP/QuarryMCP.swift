import Foundation
import Logging
import MCP
import QuarryCore
import QuarryEngine

/// Quarry's Model Context Protocol server: the tools of ``MCPTools`` and a resource per document
/// page (`quarry://documents/{id}/pages/{n}`), each acting as one caller within its tenant,
/// through the same retriever and pipeline as the HTTP API. One SDK ``Server`` is made per caller
/// for the protocol's other methods, so the caller is fixed when it is made and no handler can
/// reach another tenant; `tools/call` is answered by ``call(_:principal:logger:)`` from the route
/// (``MCPRoutes``), with the caller passed in.
struct QuarryMCP: Sendable {
    let retriever: Retriever
    let pipeline: IngestPipeline

    static let instructions = """
        Quarry searches and answers from the documents indexed for this account. Use search to find passages, \
        ask for an answer with numbered citations, get_document_text to read the pages a citation points to.
        """
    /// Documents per page of `resources/list`; each lists all its pages.
    static let documentsPerListing = 10

    func server(for principal: Principal, logger: Logger) async -> Server {
        let server = Server(name: "quarry", version: "1", title: "Quarry", instructions: Self.instructions,
                            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: MCPTools.offered(to: principal)) }
        await server.withMethodHandler(ListResources.self) { parameters in try await self.listResources(parameters.cursor, principal: principal) }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in
            ListResourceTemplates.Result(templates: [Resource.Template(
                uriTemplate: "quarry://documents/{id}/pages/{n}", name: "page", title: "A page of a document",
                description: "The text of page n (from 1) of a document: what citations' character spans point into", mimeType: "text/plain"
            )])
        }
        await server.withMethodHandler(ReadResource.self) { parameters in try await self.read(parameters.uri, principal: principal, logger: logger) }
        return server
    }

    // MARK: - Tools

    func call(_ call: CallTool.Parameters, principal: Principal, logger: Logger) async throws -> ToolAnswer {
        let tenant = principal.tenant
        switch call.name {
        case "search", "ask":
            let arguments = try ToolArguments(tool: call.name, call.arguments, allowed: MCPTools.retrievalArguments)
            let answer: QueryRequest.AnswerMode = call.name == "search" ? .none : retriever.groundedAnswer
            let request = QueryRequest(
                query: try arguments.string("query"), topK: try arguments.int("top_k", default: QueryRequest.defaultTopK),
                mode: try arguments.choice("mode", default: RetrievalMode.hybrid), answer: answer,
                documentIds: try arguments.strings("document_ids"), metadata: try arguments.stringMap("filters")
            )
            return try await outcome(call.name, logger: logger) {
                let start = ContinuousClock.now
                let response = try await retriever.query(request, tenant: tenant)
                QueryRoutes.recordLatency(since: start, retriever: retriever)
                let text = call.name == "search" ? MCPText.hits(response) : MCPText.answer(response)
                return ToolAnswer(text: text, structured: QueryResponseBody(response))
            }

        case "list_documents":
            let arguments = try ToolArguments(tool: call.name, call.arguments, allowed: ["limit", "offset"])
            let limit = try arguments.int("limit", default: 20), offset = try arguments.int("offset", default: 0)
            guard (1...100).contains(limit) else { throw arguments.invalid("limit", "must be between 1 and 100") }
            guard offset >= 0 else { throw arguments.invalid("offset", "must be 0 or more") }
            return try await outcome(call.name, logger: logger) {
                let records = try await pipeline.store.records(tenant: tenant, limit: limit, offset: offset)
                return ToolAnswer(text: MCPText.documents(records, offset: offset),
                                  structured: DocumentList(documents: records.map(DocumentBody.init), limit: limit, offset: offset))
            }

        case "get_document_text":
            let arguments = try ToolArguments(tool: call.name, call.arguments, allowed: ["document_id", "first_page", "last_page"])
            let id = try arguments.string("document_id")
            let first = try arguments.int("first_page", default: 1)
            let last = try arguments.int("last_page", default: first)
            return try await outcome(call.name, logger: logger) {
                let (record, pages) = try await pipeline.pages(of: id, tenant: tenant, first: first, last: last)
                return ToolAnswer(text: MCPText.pages(pages, of: record), structured: PagesBody(record: record, pages: pages))
            }

        case "index_url":
            let arguments = try ToolArguments(tool: call.name, call.arguments, allowed: ["url"])
            guard principal.has(.editor) else {
                throw MCPError.invalidRequest("index_url needs the editor role; this token has \(principal.roles.map(\.rawValue).sorted().joined(separator: ", "))")
            }
            let url = try arguments.string("url")
            return try await outcome(call.name, logger: logger) {
                let submission = try await pipeline.submit(url: url, tenant: tenant)
                let body = DocumentBody(submission.record)
                let state = if case .queued = submission { "queued for indexing" } else { "already indexed" }
                return ToolAnswer(text: "Document \(body.id) (\(url)): \(state); status \(body.status).", structured: body)
            }

        default:
            throw MCPError.invalidParams(
                "unknown tool '\(call.name.prefix(100))'; the tools are \(MCPTools.offered(to: principal).map(\.name).joined(separator: ", "))"
            )
        }
    }

    /// The tool's work, its failures said as MCP says them: what the caller asked wrong (a 4xx of
    /// the HTTP API, through the one ``ErrorMap``) is `invalid params` naming the argument; what
    /// failed on Quarry's side (a back end down) is a tool result with `isError`, which the model reads.
    private func outcome(_ tool: String, logger: Logger, _ work: () async throws -> ToolAnswer) async throws -> ToolAnswer {
        do {
            return try await work()
        } catch {
            let refusal = ErrorMap.apiError(for: error, logger: logger)
            if refusal.status.code < 500 {
                let argument = refusal.parameter.map { " (argument \($0))" } ?? ""
                throw MCPError.invalidParams("\(tool): \(refusal.message)\(argument)")
            }
            return ToolAnswer(text: refusal.message, structured: nil, isError: true)
        }
    }

    // MARK: - Resources

    /// The caller's documents' pages, ``documentsPerListing`` documents per page; the cursor is the next offset.
    func listResources(_ cursor: String?, principal: Principal) async throws -> ListResources.Result {
        guard let offset = cursor.map({ Int($0) }) ?? 0, offset >= 0 else { throw MCPError.invalidParams("resources/list: the cursor is not one this server gave") }
        let records = try await pipeline.store.records(tenant: principal.tenant, limit: Self.documentsPerListing, offset: offset)
        let resources = records.flatMap { record in
            (0..<max(record.pages, 0)).map { index in
                Resource(name: "\(MCPText.name(record)), page \(index + 1)", uri: Self.pageURI(record.id, index + 1), mimeType: "text/plain")
            }
        }
        return ListResources.Result(resources: resources,
                                    nextCursor: records.count == Self.documentsPerListing ? String(offset + Self.documentsPerListing) : nil)
    }

    func read(_ uri: String, principal: Principal, logger: Logger) async throws -> ReadResource.Result {
        guard let match = uri.wholeMatch(of: /quarry:\/\/documents\/([^\/]+)\/pages\/([0-9]{1,6})/), let page = Int(match.output.2) else {
            throw MCPError.invalidParams("resources/read: '\(uri.prefix(200))' is not quarry://documents/{id}/pages/{n}")
        }
        do {
            let (_, pages) = try await pipeline.pages(of: String(match.output.1), tenant: principal.tenant, first: page, last: page)
            return ReadResource.Result(contents: [.text(pages[0].text, uri: uri, mimeType: "text/plain")])
        } catch is NotFound {
            throw Self.resourceNotFound(uri)
        } catch is IngestPipeline.PagesError {
            throw Self.resourceNotFound(uri)
        } catch {
            throw MCPError.internalError(ErrorMap.apiError(for: error, logger: logger).message)
        }
    }

    static func pageURI(_ id: String, _ page: Int) -> String { "quarry://documents/\(id)/pages/\(page)" }

    /// The protocol's own code for a resource that is not there (another tenant's included).
    static func resourceNotFound(_ uri: String) -> MCPError {
        .serverError(code: -32002, message: "Resource not found: \(uri.prefix(200))")
    }
}

/// `get_document_text`'s structured result.
struct PagesBody: Encodable {
    struct PageBody: Encodable {
        let number: Int
        let text: String
    }

    let documentId: String
    let title: String?
    let pages: [PageBody]

    enum CodingKeys: String, CodingKey { case documentId = "document_id", title, pages }

    init(record: DocumentRecord, pages: [Page]) {
        documentId = record.id
        title = record.title
        self.pages = pages.map { PageBody(number: $0.number, text: $0.text) }
    }
}

/// What a tool answers: text for the model to read, and the same as JSON (the HTTP API's body)
/// for programs, or a failure the model should read (`isError`).
struct ToolAnswer {
    let text: String
    let structured: (any Encodable)?
    var isError = false

}

/// A JSON-RPC reply to `tools/call` in MCP's shape, written straight from the tool's answer: the
/// SDK's own types hold results as `Value`, which costs a regular expression per string to build
/// from JSON (``MCPRoutes/callTool(_:_:_:principal:logger:)``).
struct ToolReply: Encodable {
    let id: MCP.ID
    let answer: ToolAnswer

    enum CodingKeys: String, CodingKey { case jsonrpc, id, result }
    enum ResultKeys: String, CodingKey { case content, structuredContent, isError }

    struct TextContent: Encodable {
        var type = "text"
        let text: String
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("2.0", forKey: .jsonrpc)
        try container.encode(id, forKey: .id)
        var result = container.nestedContainer(keyedBy: ResultKeys.self, forKey: .result)
        try result.encode([TextContent(text: answer.text)], forKey: .content)
        if let structured = answer.structured { try result.encode(structured, forKey: .structuredContent) }
        if answer.isError { try result.encode(true, forKey: .isError) }
    }
}
