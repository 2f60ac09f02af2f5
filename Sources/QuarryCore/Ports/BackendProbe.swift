/// A back end that can say whether it serves: what `/ready` shows for each one, and what a
/// command asks before long work. Every store, index and queue port refines it, so the composition
/// root never needs to know which adapter it holds.
public protocol BackendProbe: Sendable {
    /// What and where it is; never a credential.
    var backend: BackendIdentity { get }
    /// nil while it answers and can be written; else why not, in one line.
    func problem() async -> String?
}

public struct BackendIdentity: Sendable, Equatable {
    /// `embedded`, `qdrant`, `mongodb`, `redis`.
    public let kind: String
    /// Where: a file path, or hosts with the collection, database or namespace.
    public let target: String

    public init(kind: String, target: String) {
        self.kind = kind
        self.target = target
    }
}
