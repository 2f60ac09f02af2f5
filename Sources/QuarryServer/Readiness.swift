import QuarryCore

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

/// The readiness of a store, index or queue, as its port tells it.
public struct BackendReadiness: ReadinessCheck {
    public let name: String
    let probe: any BackendProbe

    public init(name: String, probe: any BackendProbe) {
        self.name = name
        self.probe = probe
    }

    public func check() async -> ReadinessReport {
        let backend = probe.backend
        if let problem = await probe.problem() {
            return ReadinessReport(kind: backend.kind, ready: false, detail: backend.target + ": " + problem)
        }
        return ReadinessReport(kind: backend.kind, ready: true, detail: backend.target)
    }
}
