import QuarryEmbedding

/// The model files named by `model_dir`, loaded the same way by every command: a missing or
/// damaged file is a one-line configuration error naming the setting.
enum Model {
    /// The in-process encoder, loaded once per process.
    static func embedder(_ settings: Settings) throws(ConfigurationError) -> MiniLMEmbedder {
        do {
            return try MiniLMEmbedder(directory: settings.modelDirectory)
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
