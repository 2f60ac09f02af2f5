/// One back end's answer to "can you serve?", shown by `/ready`.
public struct ReadinessReport: Sendable, Codable, Equatable {
    /// `embedded`, `qdrant`, `mongodb`, `redis`, …
    public let kind: String
    public let ready: Bool
    /// Where it is and, when not ready, why.
    public let detail: String

    public init(kind: String, ready: Bool, detail: String) {
        self.kind = kind
        self.ready = ready
        self.detail = detail
    }
}

/// A back end that `/ready` asks. Checks must be quick and must not throw: a failure is a report.
public protocol ReadinessCheck: Sendable {
    /// The role the back end plays: `data_directory`, `document_store`, `vector_store`, `queue`, …
    var name: String { get }
    func check() async -> ReadinessReport
}
