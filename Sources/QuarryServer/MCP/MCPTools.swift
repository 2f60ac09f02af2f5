import Foundation
import MCP
import QuarryCore

/// The tools Quarry's MCP server offers, with their input schemas. The arguments are named as the
/// HTTP API names the same fields, so an error's field reads the same in both.
enum MCPTools {
    static let retrievalProperties = #"""
        "query": {"type": "string", "description": "the question or search words, at most 2,000 characters"},
        "top_k": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5, "description": "how many passages"},
        "mode": {"type": "string", "enum": ["hybrid", "dense", "sparse"], "default": "hybrid", "description": "dense (meaning), sparse (BM25 words) or both fused"},
        "document_ids": {"type": "array", "items": {"type": "string"}, "description": "only these documents (ids from list_documents)"},
        "filters": {"type": "object", "additionalProperties": {"type": "string"}, "description": "document metadata that must match exactly"}
        """#
    static let retrievalArguments: Set<String> = ["query", "top_k", "mode", "document_ids", "filters"]

    static let search = tool(
        "search", title: "Search the documents",
        description: "Finds the passages of the indexed documents that best match a query. Each result has a number, the document, the page, the character span on that page and the passage's text.",
        schema: #"{"type": "object", "properties": {\#(retrievalProperties)}, "required": ["query"]}"#, readOnly: true
    )
    static let ask = tool(
        "ask", title: "Ask the documents",
        description: "Answers a question from the indexed documents. The answer's [n] markers are citations: document, page, character span and the cited text, listed after the answer.",
        schema: #"{"type": "object", "properties": {\#(retrievalProperties)}, "required": ["query"]}"#, readOnly: true
    )
    static let listDocuments = tool(
        "list_documents", title: "List the documents",
        description: "Lists the indexed documents, newest first: id, title, source, status, pages.",
        schema: #"""
            {"type": "object", "properties": {
              "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
              "offset": {"type": "integer", "minimum": 0, "default": 0}}}
            """#, readOnly: true
    )
    static let getDocumentText = tool(
        "get_document_text", title: "Read pages of a document",
        description: "The text of pages first_page through last_page of one document (at most 20 at once): the text that citations' character spans point into.",
        schema: #"""
            {"type": "object", "properties": {
              "document_id": {"type": "string"},
              "first_page": {"type": "integer", "minimum": 1, "default": 1},
              "last_page": {"type": "integer", "minimum": 1, "description": "defaults to first_page"}},
             "required": ["document_id"]}
            """#, readOnly: true
    )
    static let indexURL = tool(
        "index_url", title: "Index a web page or PDF",
        description: "Fetches a URL (an HTML page or a PDF) and indexes it; returns the document's id and status. Needs the editor role.",
        schema: #"{"type": "object", "properties": {"url": {"type": "string", "description": "http or https"}}, "required": ["url"]}"#,
        readOnly: false
    )

    /// What a caller with these roles may call: `index_url` only for editors.
    static func offered(to principal: Principal) -> [Tool] {
        [search, ask, listDocuments, getDocumentText] + (principal.has(.editor) ? [indexURL] : [])
    }

    private static func tool(_ name: String, title: String, description: String, schema: String, readOnly: Bool) -> Tool {
        // The schemas are literals of this file: a typo is a crash at the first tools/list of any test.
        let inputSchema = try! JSONDecoder().decode(Value.self, from: Data(schema.utf8))
        return Tool(name: name, title: title, description: description, inputSchema: inputSchema,
                    annotations: .init(readOnlyHint: readOnly, openWorldHint: !readOnly))
    }
}
