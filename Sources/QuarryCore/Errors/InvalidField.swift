/// A request that reads but asks for something that cannot be done: a value out of range, an id
/// that names nothing. `field` points at the value as a JSON pointer (RFC 6901), e.g. `/top_k`.
public struct InvalidField: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { reason }
}
