import Foundation
import QuarryCore
import QuarryEngine

/// Adds a document to the tenant's index, from a URL (fetched through the SSRF guard) or from
/// text made by the nodes before; the node ends when the document is searchable, so the nodes
/// after it can ask about it. It runs on `ingest`, the queue whose workers parse and embed.
public struct IngestNode: NodeType {
    public let name = "ingest"
    public let queue = IngestPipeline.queueName
    public let summary = "Indexes a document from a URL or from text; ends when it is searchable, with its id, status, pages and chunks."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false,
         "properties": {
           "url": {"type": "string", "minLength": 1, "maxLength": 4096, "description": "a PDF, HTML or text document to fetch"},
           "text": {"type": "string", "minLength": 1, "maxLength": 10000000, "description": "the document's text, when there is no URL"},
           "filename": {"type": "string", "minLength": 1, "maxLength": 255, "description": "the name the text is kept under (default: <run>-<node>.txt)"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["document_id", "status", "unchanged"],
         "properties": {
           "document_id": {"type": "string"}, "status": {"enum": ["indexed", "needs_ocr"]}, "title": {"type": ["string", "null"]},
           "source": {"type": "string"}, "pages": {"type": "integer"}, "chunks": {"type": "integer"},
           "unchanged": {"type": "boolean", "description": "true: these bytes were already indexed, nothing was done"}}}
        """#)
    public let defaultTimeout: Duration = .seconds(600)

    let pipeline: IngestPipeline

    public init(pipeline: IngestPipeline) {
        self.pipeline = pipeline
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        let result: (record: DocumentRecord, unchanged: Bool)
        do {
            switch (config["url"]?.string, config["text"]?.string) {
            case (let url?, nil):
                let fetched = try await pipeline.fetcher.fetchDocument(url)
                result = try await pipeline.ingestNow(fetched.data, tenant: context.tenant, uri: url, filename: fetched.filename,
                                                      declaredType: fetched.declaredType)
            case (nil, let text?):
                let filename = config["filename"]?.string ?? "\(context.run.id)-\(context.node.id).txt"
                result = try await pipeline.ingestNow(Data(text.utf8), tenant: context.tenant, uri: "workflow:\(context.run.workflowId)/\(filename)",
                                                      filename: filename, declaredType: .plainText)
            default:
                throw PermanentNodeError("config needs either url or text, not both and not neither")
            }
        } catch let error as DocumentError {
            throw PermanentNodeError("the document cannot be indexed: \(error)")
        } catch let error as DocumentFetchError {
            // A refused or oversized URL stays so; a server that did not answer may later.
            guard case .failed = error else { throw PermanentNodeError("\(error)") }
            throw error
        }
        let record = result.record
        await context.log(.info, result.unchanged ? "already indexed" : "indexed",
                          .object(["document_id": .string(record.id), "chunks": .int(Int64(record.chunks))]))
        return NodeOutcome(output: .object([
            "document_id": .string(record.id), "status": .string(record.status.rawValue), "title": record.title.map(JSONValue.string) ?? .null,
            "source": .string(record.source.uri), "pages": .int(Int64(record.pages)), "chunks": .int(Int64(record.chunks)),
            "unchanged": .bool(result.unchanged),
        ]))
    }
}
