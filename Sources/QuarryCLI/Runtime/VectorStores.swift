import QuarryCore
import QuarryEmbedded
import QuarryQdrant

/// The vector index the settings select (`vector_store`), as serve, index, ask, eval and bench use it.
enum VectorStores {
    /// The embedded index lives in `database` (nil: in memory, for throwaway runs); Qdrant's in the
    /// configured collection, or in `collection` when given (evaluation's own).
    static func open(_ settings: Settings, database: SQLiteDatabase?, dimensions: Int, collection: String? = nil) throws -> any VectorIndex {
        guard settings.vectorStore == .qdrant else { return try EmbeddedVectorIndex(database: database, bm25: settings.bm25) }
        guard let qdrant = settings.qdrant else {  // resolved with the setting: never fall back to the embedded index
            throw ConfigurationError(key: SettingKey.qdrantURL.name, origin: "settings", reason: "is required when vector_store is qdrant")
        }
        return QdrantVectorIndex(configuration: QdrantConfiguration(
            url: qdrant.url, apiKey: qdrant.apiKey, collection: collection ?? qdrant.collection, dimensions: dimensions, bm25: settings.bm25
        ))
    }
}
