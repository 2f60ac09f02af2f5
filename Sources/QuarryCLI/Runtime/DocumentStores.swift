import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryMongo

/// The document store the settings select (`document_store`), which keeps index jobs, workflows and runs too.
enum DocumentStores {
    /// SQLite in `database` with files under `<data>/files`, or MongoDB with files in GridFS.
    static func open(_ settings: Settings, database: SQLiteDatabase, directory: DataDirectory) throws -> any DocumentStore & IndexJobStore & WorkflowStore & RunStore & CredentialStore & EffectLedger & APIKeyStore {
        guard settings.documentStore == .mongodb else {
            return try SQLiteDocumentStore(database: database, files: URL(fileURLWithPath: directory.path + "/files"))
        }
        guard let uri = settings.mongodbURI else {  // resolved with the setting: never fall back to SQLite
            throw ConfigurationError(key: SettingKey.mongodbURI.name, origin: "settings", reason: "is required when document_store is mongodb")
        }
        do {
            return MongoDocumentStore(client: try MongoClient(uri: uri))
        } catch {
            // libmongoc's reason names the part that is wrong; the URI itself may hold a password.
            throw ConfigurationError(key: SettingKey.mongodbURI.name, origin: "settings", reason: "cannot be used: \(error.message)")
        }
    }
}
