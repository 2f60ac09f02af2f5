import CMongoc
import QuarryCore

/// A refusal from MongoDB or libmongoc that retrying will not cure (a bad document, a duplicate
/// key, a command the server lacks). Connection failures become ``BackendUnavailable`` instead.
public struct MongoError: Error, Sendable, Equatable, CustomStringConvertible {
    public let domain: UInt32
    public let code: UInt32
    public let message: String

    init(domain: UInt32, code: UInt32, message: String) {
        self.domain = domain
        self.code = code
        self.message = message
    }

    init(_ error: bson_error_t, operation: String) {
        var copy = error
        let text = withUnsafeBytes(of: &copy.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        self.init(domain: error.domain, code: error.code, message: "\(operation): \(text)")
    }

    public var description: String { "mongodb: \(message) (domain \(domain), code \(code))" }

    /// Server selection, socket and stream failures: the server is away, not the request wrong.
    var isUnreachable: Bool {
        domain == MONGOC_ERROR_SERVER_SELECTION.rawValue || domain == MONGOC_ERROR_STREAM.rawValue
    }

    /// Another transaction wrote the same document first (WriteConflict, 112), or the transaction
    /// was aborted because of it (NoSuchTransaction, 251): the whole transaction may be run again.
    var isTransient: Bool { code == 112 || code == 251 }

    /// Duplicate key (E11000), from a unique index.
    var isDuplicateKey: Bool { code == 11000 }
}
