import Foundation
import QuarryCore
import QuarryEngine

/// Adds a document to the tenant's index, from a URL (fetched through the SSRF guard), a file
/// inside the server's `index_root`, or text made by the nodes before, or waits for one already
/// uploaded (`document_id`); the node ends when the document is searchable, so the nodes after it
/// can ask about it. It runs on `ingest`, the queue whose workers parse and embed.
public struct IngestNode: NodeType {
    public let name = "ingest"
    public let queue = IngestPipeline.queueName
    public let summary = "Indexes a document from a URL, a path inside index_root or text, or waits for an uploaded one; ends when it is searchable, with its id, status, pages and chunks."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false,
         "properties": {
           "url": {"type": "string", "minLength": 1, "maxLength": 4096, "description": "a PDF, HTML or text document to fetch"},
           "document_id": {"type": "string", "minLength": 1, "maxLength": 200, "description": "a document uploaded before: the node waits until it is indexed"},
           "path": {"type": "string", "minLength": 1, "maxLength": 4096, "description": "a file inside the server's index_root (absolute, or relative to it)"},
           "text": {"type": "string", "minLength": 1, "maxLength": 10000000, "description": "the document's text, when there is no URL or path"},
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

    /// Index jobs' reading of paths (the root, the size limit) and their pipeline.
    let indexJobs: IndexJobs
    var pipeline: IngestPipeline { indexJobs.pipeline }

    public init(indexJobs: IndexJobs) {
        self.indexJobs = indexJobs
    }

    /// How often a waited-for document's status is read.
    static let poll: Duration = .milliseconds(500)

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        let config = context.config
        let result: (record: DocumentRecord, unchanged: Bool)
        do {
            switch (config["url"]?.string, config["path"]?.string, config["text"]?.string) {
            case (nil, nil, nil) where config["document_id"] != nil:
                result = (try await indexed(config["document_id"]?.string ?? "", tenant: context.tenant), true)
            case (_, _, _) where config["document_id"] != nil:
                throw PermanentNodeError("config needs one of document_id, url, path and text")
            case (let url?, nil, nil):
                let fetched = try await pipeline.fetcher.fetchDocument(url)
                result = try await pipeline.ingestNow(fetched.data, tenant: context.tenant, uri: url, filename: fetched.filename,
                                                      declaredType: fetched.declaredType)
            case (nil, let path?, nil):
                let file = try indexJobs.readPath(path)
                result = try await pipeline.ingestNow(file.data, tenant: context.tenant, uri: URL(fileURLWithPath: file.path).standardizedFileURL.absoluteString,
                                                      filename: file.name)
            case (nil, nil, let text?):
                let filename = config["filename"]?.string ?? "\(context.run.id)-\(context.node.id).txt"
                result = try await pipeline.ingestNow(Data(text.utf8), tenant: context.tenant, uri: "workflow:\(context.run.workflowId)/\(filename)",
                                                      filename: filename, declaredType: .plainText)
            default:
                throw PermanentNodeError("config needs one of document_id, url, path and text")
            }
        } catch let error as IndexJobs.Unreadable {
            throw PermanentNodeError(error.description)  // it names the path
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

    /// The tenant's document once it is indexed (or found to need OCR); its indexing runs on
    /// the ingest queue meanwhile. One that failed or was canceled fails the node; the node's
    /// timeout (600 s) and the run's cancel end the wait.
    func indexed(_ id: String, tenant: String) async throws -> DocumentRecord {
        while true {
            let record: DocumentRecord
            do {
                record = try await pipeline.document(id, tenant: tenant)
            } catch is NotFound {
                throw PermanentNodeError("no document \(id.prefix(200)) in this tenant")
            }
            switch record.status {
            case .indexed, .needsOCR: return record
            case .failed, .canceled: throw PermanentNodeError("document \(id.prefix(200)) was not indexed: it is \(record.status.rawValue)\(record.error.map { " (\($0))" } ?? "")")
            default: try await Task.sleep(for: Self.poll)
            }
        }
    }
}
