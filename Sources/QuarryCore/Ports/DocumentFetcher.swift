import Foundation

/// Fetches the document a user-supplied URL names, refusing private and loopback targets unless
/// configured (QuarryHTTP's `URLFetcher`). Used by bulk index jobs; errors describe themselves.
public protocol DocumentFetcher: Sendable {
    func fetchDocument(_ url: String) async throws -> FetchedDocument
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
