/// Why a document could not be read. Each case says what a person can do about it.
public enum DocumentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Zero bytes.
    case empty
    /// Neither PDF nor HTML.
    case unsupportedType(String)
    /// Encrypted and no password was given.
    case encrypted
    /// Encrypted and the password given does not open it.
    case wrongPassword
    /// The bytes are damaged or not what they claim to be.
    case malformed(String)

    public var description: String {
        switch self {
        case .empty: "the file is empty"
        case .unsupportedType(let what): "unsupported document type: \(what) (Quarry reads PDF, HTML and .txt)"
        case .encrypted: "the PDF is encrypted: supply its password"
        case .wrongPassword: "the PDF is encrypted and the password given does not open it"
        case .malformed(let reason): "the document cannot be read: \(reason)"
        }
    }

    /// A stable word for APIs and logs.
    public var code: String {
        switch self {
        case .empty: "empty"
        case .unsupportedType: "unsupported_type"
        case .encrypted: "encrypted"
        case .wrongPassword: "wrong_password"
        case .malformed: "malformed"
        }
    }
}
