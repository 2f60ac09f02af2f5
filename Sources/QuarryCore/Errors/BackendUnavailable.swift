/// A production back end (Qdrant, MongoDB, Redis) could not be reached or answered with a server
/// error after the client's retries. The request may well succeed later: the API answers 503, and
/// a job that meets it is retried by its queue.
public struct BackendUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// `qdrant`, `mongodb`, `redis`, …
    public let backend: String
    /// What failed, for a person; never a secret.
    public let reason: String

    public init(backend: String, reason: String) {
        self.backend = backend
        self.reason = reason
    }

    public var description: String { "\(backend) is unavailable: \(reason)" }
}
