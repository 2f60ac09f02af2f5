import Foundation
import QuarryCore

extension URLFetcher: DocumentFetcher {
    public func fetchDocument(_ url: String) async throws(DocumentFetchError) -> FetchedDocument {
        do {
            return FetchedDocument(try await fetch(url))
        } catch {
            switch error {
            case .refused(let refusal): throw .refused("\(refusal)")
            case .tooLarge(let limit): throw .tooLarge(limit: limit)
            case .tooManyRedirects, .failed: throw .failed(error.description)
            }
        }
    }
}

extension FetchedDocument {
    /// The document in a fetch's response: named after the final URL, typed by its `Content-Type`
    /// when that is a format Quarry reads (XHTML is read as HTML).
    public init(_ fetched: URLFetcher.Fetched) {
        let name = fetched.url.lastPathComponent
        let declared = fetched.mediaType.flatMap { MediaType(rawValue: $0) ?? ($0 == "application/xhtml+xml" ? .html : nil) }
        self.init(data: fetched.data, filename: name.isEmpty || name == "/" ? (fetched.url.host ?? "download") : name, declaredType: declared)
    }
}
