import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryMongo
import QuarryTestSupport
import Testing

/// The implementations of ``DocumentStore`` (and of the other stores beside it) the contracts run against.
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case embedded, mongodb

    var testDescription: String { rawValue }

    /// A fresh, empty store: a SQLite file, or a database of its own on the shared SecantusDB.
    func makeStore() throws -> any DocumentStore & IndexJobStore & WorkflowStore & RunStore & CredentialStore & EffectLedger & APIKeyStore {
        switch self {
        case .embedded:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return try SQLiteDocumentStore(database: SQLiteDatabase(path: directory.path + "/quarry.sqlite"), files: directory.appendingPathComponent("files"))
        case .mongodb:
            let server = try SharedMongo.server.get()
            return MongoDocumentStore(client: try MongoClient(uri: server.uri(database: "test_\(UUID().uuidString.prefix(8))")))
        }
    }
}

/// One SecantusDB for the stores' tests, each test in a database of its own; stopped when the
/// test process exits.
enum SharedMongo {
    static let server: Result<MongoTestServer, any Error> = {
        let result = Result { try MongoTestServer() }
        atexit { if case .success(let server) = SharedMongo.server { server.stop() } }
        return result
    }()
}
