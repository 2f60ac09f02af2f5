import Foundation

/// Fetches the document a user-supplied URL names, refusing private and loopback targets unless
/// configured (QuarryHTTP's `URLFetcher`). Uploads by URL and bulk index jobs both fetch through it.
public protocol DocumentFetcher: Sendable {
    func fetchDocument(_ url: String) async throws(DocumentFetchError) -> FetchedDocument
}

public struct FetchedDocument: Sendable, Equatable {
    public let data: Data
    /// The last path component of the final URL, or its host when there is none.
    public let filename: String
    /// The format the server's `Content-Type` names, when Quarry reads it.
    public let declaredType: MediaType?

    public init(data: Data, filename: String, declaredType: MediaType?) {
        self.data = data
        self.filename = filename
        self.declaredType = declaredType
    }
}

/// Why a URL gave no document; each case says it for a person.
public enum DocumentFetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not an http(s) URL, or it leads to an address that is not allowed (private, loopback, …).
    case refused(String)
    /// The document is larger than the upload limit.
    case tooLarge(limit: Int)
    /// The server could not be reached, answered with an error, or redirected too often.
    case failed(String)

    public var description: String {
        switch self {
        case .refused(let reason): "the URL is refused: \(reason)"
        case .tooLarge(let limit): "the document is larger than \(limit / 1_048_576) MB"
        case .failed(let reason): "the fetch failed: \(reason)"
        }
    }
}
