/// The caller's tenant has no such object. Another tenant's object is not found either: the
/// answer never says whether an id exists elsewhere.
public struct NotFound: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was looked for, for a person: `document`, `index job`.
    public let kind: String
    public let id: String

    public init(_ kind: String, id: String) {
        self.kind = kind
        self.id = id
    }

    public var description: String { "no \(kind) \(id.prefix(200))" }
}
