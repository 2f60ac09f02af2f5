/// A configuration problem found at start, named by key and by where the value came from.
/// Its description is the one line a user sees before the process exits.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let key: String
    public let origin: String
    public let reason: String

    public var description: String {
        "configuration: \(key) (from \(origin)): \(reason)"
    }
}
