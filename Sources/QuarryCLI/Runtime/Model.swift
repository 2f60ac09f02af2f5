import Logging
import QuarryEmbedding

/// The model files named by `model_dir`, loaded the same way by every command: a missing or
/// damaged file is a one-line configuration error naming the setting.
enum Model {
    /// The in-process encoder, loaded once per process.
    static func embedder(_ settings: Settings) throws(ConfigurationError) -> MiniLMEmbedder {
        do {
            let embedder = try MiniLMEmbedder(directory: settings.modelDirectory, documentPrecision: settings.ingestPrecision)
            if let refusal = embedder.int8Refusal {
                Logger(label: "quarry.embedding").warning("ingest_precision int8 not taken", metadata: ["reason": .string(refusal)])
            }
            return embedder
        } catch {
            throw ConfigurationError(key: SettingKey.modelDirectory.name, origin: settings.modelDirectory, reason: error.description)
        }
    }

    /// Only the vocabulary, for commands that count tokens without embedding.
    static func tokenizer(_ settings: Settings) throws(ConfigurationError) -> WordPieceTokenizer {
        do {
            return try WordPieceTokenizer(vocabularyFile: settings.modelDirectory + "/vocab.txt")
        } catch {
            throw ConfigurationError(key: SettingKey.modelDirectory.name, origin: settings.modelDirectory, reason: error.description)
        }
    }
}
