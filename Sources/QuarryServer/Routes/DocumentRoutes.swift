import Foundation
import Hummingbird
import QuarryCore
import QuarryEngine
import QuarryHTTP

/// `/api/v1/documents`: upload (multipart, field `file`) or fetch (JSON `{"url"}`), list, get with progress, delete. Every
/// call acts on the caller's tenant only; another tenant's document is simply not found.
struct DocumentRoutes {
    let pipeline: IngestPipeline
    let maximumUploadBytes: Int
    let fetcher: URLFetcher

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/documents") { request, context in
            let principal = try context.require(.editor)
            let contentType = request.headers[.contentType] ?? ""
            let upload = contentType.lowercased().hasPrefix("application/json") ? try await fetched(request) : try await uploaded(request)
            let submission: IngestPipeline.Submission
            do {
                submission = try await pipeline.submit(upload.data, tenant: principal.tenant, uri: upload.uri, filename: upload.filename,
                                                       declaredType: upload.declaredType)
            } catch let error as DocumentError {
                switch error {
                case .unsupportedType, .empty:
                    throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: error.description)
                default:
                    throw APIError.badRequest(error.description)
                }
            }
            let record = submission.record
            var headers = HTTPFields()
            headers[.location] = "/api/v1/documents/\(record.id)"
            let status: HTTPResponse.Status = if case .queued = submission { .accepted } else { .ok }
            return EditedResponse(status: status, headers: headers, response: DocumentBody(record))
        }

        api.get("/documents") { request, context in
            let principal = try context.require(.viewer)
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 50
            let offset = request.uri.queryParameters.get("offset", as: Int.self) ?? 0
            guard (1...1000).contains(limit), offset >= 0 else { throw APIError.badRequest("limit must be 1–1000 and offset at least 0") }
            let records = try await pipeline.store.records(tenant: principal.tenant, limit: limit, offset: offset)
            return DocumentList(documents: records.map(DocumentBody.init), limit: limit, offset: offset)
        }

        api.get("/documents/{id}") { _, context in
            let principal = try context.require(.viewer)
            return DocumentBody(try await record(context, tenant: principal.tenant))
        }

        api.delete("/documents/{id}") { _, context in
            let principal = try context.require(.editor)
            let record = try await record(context, tenant: principal.tenant)
            try await pipeline.delete(record.id, tenant: record.tenant)
            return Response(status: .noContent)
        }
    }

    /// A document's bytes and where they came from, before it is submitted.
    struct Upload {
        let data: Data
        let uri: String
        let filename: String
        let declaredType: QuarryCore.MediaType?
    }

    /// `multipart/form-data` with a part named `file`.
    func uploaded(_ request: Request) async throws -> Upload {
        guard let boundary = request.headers[.contentType].flatMap(Multipart.boundary(of:)) else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           message: "upload a file as multipart/form-data with a part named \"file\", or send JSON {\"url\": …}")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumUploadBytes)
        } catch {
            throw APIError(.contentTooLarge, code: "too_large", message: "uploads are limited to \(maximumUploadBytes / 1_048_576) MB")
        }
        let form: Multipart
        do { form = try Multipart(Data(buffer: body), boundary: boundary) } catch { throw APIError.badRequest("\(error)") }
        guard let file = form.parts.first(where: { $0.name == "file" }) else { throw APIError.badRequest("no part named \"file\"") }
        let filename = file.filename ?? "upload"
        return Upload(data: file.data, uri: "upload:\(filename)", filename: filename, declaredType: nil)
    }

    /// JSON `{"url": "https://…"}`: the document fetched through the SSRF guard (``URLFetcher``).
    func fetched(_ request: Request) async throws -> Upload {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 64 * 1024) } catch {
            throw APIError(.contentTooLarge, code: "too_large", message: "a JSON submission is limited to 64 kB")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            throw APIError.badRequest("the body is not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "url" }) {
            throw APIError.badRequest("unknown field '\(unknown)'; the only field is url")
        }
        guard let url = object["url"] as? String, !url.isEmpty else { throw APIError.badRequest("url is required, as a string") }
        let fetched: URLFetcher.Fetched
        do {
            fetched = try await fetcher.fetch(url)
        } catch {
            switch error {
            case .refused: throw APIError(.badRequest, code: "url_refused", message: error.description)
            case .tooLarge: throw APIError(.contentTooLarge, code: "too_large", message: error.description)
            case .tooManyRedirects, .failed: throw APIError(.badGateway, code: "fetch_failed", message: error.description)
            }
        }
        let document = FetchedDocument(fetched)
        return Upload(data: document.data, uri: url, filename: document.filename, declaredType: document.declaredType)
    }

    func record(_ context: QuarryRequestContext, tenant: String) async throws -> DocumentRecord {
        let id = context.parameters.get("id") ?? ""
        guard let record = try await pipeline.store.record(id, tenant: tenant) else {
            throw APIError(.notFound, code: "not_found", message: "no document \(id)")
        }
        return record
    }
}

/// A document as clients see it: its record, and progress through the stages.
struct DocumentBody: ResponseEncodable {
    let id: String
    let title: String?
    let source: Document.Source
    let status: String
    let error: String?
    let metadata: [String: String]
    let pages: Int
    let progress: Progress
    let createdAt: Date
    let updatedAt: Date
    let statusUrl: String

    struct Progress: Encodable {
        let chunks: Int
        let chunksIndexed: Int
        /// Stages done out of queued → parsing → chunking → embedding → indexed.
        let stage: Int
        let stages: Int
    }

    enum CodingKeys: String, CodingKey {
        case id, title, source, status, error, metadata, pages, progress, createdAt = "created_at", updatedAt = "updated_at", statusUrl = "status_url"
    }

    init(_ record: DocumentRecord) {
        id = record.id
        title = record.title
        source = record.source
        status = record.status.rawValue
        error = record.error
        metadata = record.metadata
        pages = record.pages
        let order: [Document.Status] = [.queued, .parsing, .chunking, .embedding, .indexed]
        progress = Progress(chunks: record.chunks, chunksIndexed: record.chunksIndexed,
                            stage: order.firstIndex(of: record.status) ?? 0, stages: order.count - 1)
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        statusUrl = "/api/v1/documents/\(record.id)"
    }
}

struct DocumentList: ResponseEncodable {
    let documents: [DocumentBody]
    let limit: Int
    let offset: Int
}
