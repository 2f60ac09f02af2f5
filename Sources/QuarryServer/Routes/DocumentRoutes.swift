import Foundation
import Hummingbird
import QuarryCore
import QuarryEngine

/// `/api/v1/documents`: upload (multipart, field `file`) or fetch (JSON `{"url"}`), list, get with
/// progress, delete. Both ways in go through the ingest pipeline. Every call acts on the caller's
/// tenant only; another tenant's document is simply not found.
struct DocumentRoutes {
    let pipeline: IngestPipeline
    let maximumUploadBytes: Int
    /// A JSON body only names a URL.
    static let maximumJSONBytes = 64 * 1024

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/documents") { request, context in
            let principal = try context.require(.editor)
            let contentType = request.headers[.contentType] ?? ""
            let submission: IngestPipeline.Submission
            if contentType.lowercased().hasPrefix("application/json") {
                let body = try await request.decodeJSON(URLSubmission.self, limit: Self.maximumJSONBytes)
                submission = try await pipeline.submit(url: body.url, tenant: principal.tenant)
            } else {
                let file = try await uploaded(request)
                submission = try await pipeline.submit(file.data, tenant: principal.tenant, uri: "upload:\(file.filename)", filename: file.filename)
            }
            let record = submission.record
            var headers = HTTPFields()
            headers[.location] = DocumentBody.statusURL(record.id)
            let status: HTTPResponse.Status = if case .queued = submission { .accepted } else { .ok }
            return EditedResponse(status: status, headers: headers, response: DocumentBody(record))
        }

        api.get("/documents") { request, context in
            let principal = try context.require(.viewer)
            let page = try Paging(request, defaultLimit: 50, maximumLimit: 1000)
            let records = try await pipeline.store.records(tenant: principal.tenant, limit: page.limit, offset: page.offset)
            return DocumentList(documents: records.map(DocumentBody.init), limit: page.limit, offset: page.offset)
        }

        api.get("/documents/{id}") { _, context in
            let principal = try context.require(.viewer)
            return DocumentBody(try await pipeline.document(context.parameters.get("id") ?? "", tenant: principal.tenant))
        }

        // The bytes as uploaded or fetched, for the web UI's viewer. `sandbox` and `nosniff`: an HTML
        // source opened from here runs none of its scripts on Quarry's origin.
        api.get("/documents/{id}/content") { _, context in
            let principal = try context.require(.viewer)
            let record = try await pipeline.document(context.parameters.get("id") ?? "", tenant: principal.tenant)
            guard let data = try await pipeline.store.bytes(document: record.id, tenant: record.tenant) else {
                throw NotFound("content of document", id: record.id)
            }
            var headers = HTTPFields()
            headers[.contentType] = record.source.mediaType.rawValue
            headers[SecurityHeaders.contentSecurityPolicy] = "sandbox"
            headers[SecurityHeaders.contentTypeOptions] = "nosniff"
            headers[.cacheControl] = "private, no-cache"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }

        api.delete("/documents/{id}") { _, context in
            let principal = try context.require(.editor)
            let record = try await pipeline.document(context.parameters.get("id") ?? "", tenant: principal.tenant)
            try await pipeline.delete(record.id, tenant: record.tenant)
            return Response(status: .noContent)
        }
    }

    /// The part named `file` of a `multipart/form-data` body within the upload limit.
    func uploaded(_ request: Request) async throws -> (filename: String, data: Data) {
        guard let boundary = request.headers[.contentType].flatMap(Multipart.boundary(of:)) else {
            throw RequestError.unsupportedMediaType("upload a file as multipart/form-data with a part named \"file\", or send JSON {\"url\": …}")
        }
        let body: Data
        do {
            body = try await request.collectBody(limit: maximumUploadBytes)
        } catch is RequestError {
            throw RequestError.tooLarge("uploads are limited to \(Request.size(maximumUploadBytes)) (max_upload_mb)")
        }
        let form: Multipart
        do { form = try Multipart(body, boundary: boundary) } catch { throw RequestError.malformed(error.description) }
        guard let file = form.parts.first(where: { $0.name == "file" }) else { throw RequestError.malformed("no part named \"file\"", field: "/file") }
        return (file.filename ?? "upload", file.data)
    }
}
