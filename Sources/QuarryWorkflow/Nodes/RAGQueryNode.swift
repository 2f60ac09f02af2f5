import QuarryCore
import QuarryEngine

/// Asks the tenant's documents, as `POST /api/v1/rag/query` does: the answer and its typed
/// citations (document, page, character span, snippet, boxes) are the output.
public struct RAGQueryNode: NodeType {
    public let name = "rag_query"
    public let queue = "ai"
    public let summary = "Asks the indexed documents a question; outputs the answer and its citations with pages and boxes."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["query"],
         "properties": {
           "query": {"type": "string", "minLength": 1, "maxLength": 2000},
           "top_k": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5},
           "mode": {"enum": ["hybrid", "dense", "sparse"], "default": "hybrid"},
           "answer": {"enum": ["extractive", "llm", "none"], "default": "extractive"},
           "document_ids": {"type": "array", "items": {"type": "string"}, "maxItems": 1000}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["query", "answer", "citations"],
         "properties": {
           "query": {"type": "string"},
           "answer": {"type": ["object", "null"], "properties": {"text": {"type": "string"}, "found": {"type": "boolean"}}},
           "citations": {"type": "array", "items": {"type": "object", "properties": {
             "number": {"type": "integer"}, "document_id": {"type": "string"}, "title": {"type": ["string", "null"]}, "source": {"type": "string"},
             "page": {"type": "integer"}, "char_start": {"type": "integer"}, "char_end": {"type": "integer"}, "snippet": {"type": "string"},
             "score": {"type": "number"}, "boxes": {"type": "array"}}}},
           "hits": {"type": "integer", "description": "How many chunks were retrieved."}}}
        """#)
    public let defaultTimeout: Duration = .seconds(120)

    let retriever: Retriever

    public init(retriever: Retriever) {
        self.retriever = retriever
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        let request = QueryRequest(
            query: config["query"]?.string ?? "",
            topK: Int(config["top_k"]?.int ?? Int64(QueryRequest.defaultTopK)),
            mode: config["mode"]?.string.flatMap(RetrievalMode.init(rawValue:)) ?? .hybrid,
            answer: config["answer"]?.string.flatMap(QueryRequest.AnswerMode.init(rawValue:)) ?? .extractive,
            documentIds: config["document_ids"].flatMap { value -> [String]? in
                guard case .array(let ids) = value else { return nil }
                return ids.compactMap(\.string)
            }
        )
        let response: QueryResponse
        do {
            response = try await retriever.query(request, tenant: context.tenant)
        } catch let error as InvalidField {
            throw PermanentNodeError("config \(error.field): \(error.reason)")
        }
        let citations: [JSONValue] = response.citations.map { citation in
            .object([
                "number": .int(Int64(citation.number)), "document_id": .string(citation.documentId), "title": citation.title.map(JSONValue.string) ?? .null,
                "source": .string(citation.source), "page": .int(Int64(citation.page)), "char_start": .int(Int64(citation.charStart)),
                "char_end": .int(Int64(citation.charEnd)), "snippet": .string(citation.snippet), "score": .double(citation.score),
                "boxes": .array(citation.boxes.map { box in
                    .object(["page": .int(Int64(box.page)), "x0": .double(box.x0), "y0": .double(box.y0), "x1": .double(box.x1), "y1": .double(box.y1)])
                }),
            ])
        }
        let answer: JSONValue = response.answer.map { .object(["text": .string($0.text), "found": .bool($0.found)]) } ?? .null
        await context.log(.info, "answered with \(citations.count) citations", .object(["hits": .int(Int64(response.hits.count))]))
        return NodeOutcome(output: .object(["query": .string(response.query), "answer": answer, "citations": .array(citations),
                                            "hits": .int(Int64(response.hits.count))]))
    }
}
