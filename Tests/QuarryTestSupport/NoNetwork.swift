import QuarryCore

/// The ``DocumentFetcher`` of tests that fetch nothing: every URL fails as unreachable, so no test
/// sends traffic anywhere by accident.
public struct NoNetwork: DocumentFetcher {
    public static let reason = "no network in this test"

    public init() {}

    public func fetchDocument(_ url: String) async throws(DocumentFetchError) -> FetchedDocument { throw .failed(Self.reason) }
}
