import Foundation
import Logging
import QuarryCore
import QuarryEmbedding
import QuarryEngine
import QuarryRedis
import QuarryServer

/// Quarry's validated configuration, resolved in layers: defaults < config file < `QUARRY_*` environment < flags.
/// Every key is listed in ``SettingKey``; anything wrong stops the start with a ``ConfigurationError``.
public struct Settings: Sendable, Equatable {
    public enum LogFormat: String, Sendable { case text, json }
    /// Which model embeds: in process, or an OpenAI-compatible endpoint.
    public enum EmbedderKind: String, Sendable { case local, openai }
    public struct RemoteEmbedder: Sendable, Equatable {
        public var url: String
        public var apiKey: String?
        public var model: String
        public var dimensions: Int
    }

    /// The chat endpoint behind `answer: "llm"`.
    public struct ChatEndpoint: Sendable, Equatable {
        public var url: String
        public var model: String
        public var apiKey: String?
    }

    /// Where a back end runs. Production adapters join this list with their issues.
    public enum Backend: String, Sendable, CaseIterable { case embedded, qdrant, mongodb, redis }

    /// The Redis server behind `queue: redis`.
    public struct RedisQueue: Sendable, Equatable {
        /// May hold a password: never logged.
        public var url: String
        public var namespace: String
        public var heartbeatTimeout: Duration
    }

    /// The Qdrant server behind `vector_store: qdrant`.
    public struct QdrantEndpoint: Sendable, Equatable {
        public var url: String
        public var apiKey: String?
        public var collection: String
    }

    public var host: String
    public var port: Int
    public var dataDirectory: String
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var jwtSecret: String?
    public var jwtPublicKeyFile: String?
    public var jwtPublicKeyID: String?
    /// Where the credential keys are, when not `<data>/credential-key`.
    public var credentialKeyFile: String?
    /// The embedding model's directory, `~` expanded.
    public var modelDirectory: String
    public var embedder: EmbedderKind
    /// What the local model's dense layers compute documents with.
    public var ingestPrecision: BertEncoder.Precision
    /// Set when `embedder` is `openai`.
    public var remoteEmbedder: RemoteEmbedder?
    public var documentStore: Backend
    /// Set when `document_store` is `mongodb`: a connection string, which may hold a password.
    public var mongodbURI: String?
    public var vectorStore: Backend
    /// Set when `vector_store` is `qdrant`.
    public var qdrant: QdrantEndpoint?
    public var queue: Backend
    /// Set when `queue` is `redis`.
    public var redis: RedisQueue?
    public var maxUploadBytes: Int
    /// How long a client may take over a request's headers and over its body.
    public var clientDeadlines: ClientDeadlines
    /// The folder index jobs may read files from; nil: none.
    public var indexRoot: IndexRoot?
    public var bm25: BM25Parameters
    public var fusion: Fusion
    /// Whether URL submissions may reach private, loopback and link-local addresses.
    public var allowPrivateURLs: Bool
    /// The CAs outbound HTTPS trusts instead of the system's (connectors, http_request).
    public var outboundCAFile: String?
    /// The built web UI to serve; nil: `.build/ui` if it is there (``defaultUIDirectory``).
    public var uiDirectory: String?
    /// Where `quarry eval` records are read from for the eval page (need not exist).
    public var evalDirectory: String
    /// Set when `llm_url` is; without it `answer: "llm"` is refused.
    public var llm: ChatEndpoint?
    /// An OTLP/HTTP collector's base URL (traces go to `/v1/traces`); nil: no tracing.
    public var otelEndpoint: String?

    /// Resolves the layers. `flags` are keyed by setting name (`port`, `data`, …).
    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        configFile: String? = nil,
        flags: [String: String] = [:]
    ) throws(ConfigurationError) -> Settings {
        let values = try ConfigurationLayers.merge(environment: environment, configFile: configFile, flags: flags)
        return try Settings(values)
    }

    init(_ values: ConfigurationLayers.Values) throws(ConfigurationError) {
        host = try values.require(.host) { $0.isEmpty ? nil : $0 } expected: { _ in "must not be empty" }
        port = try values.require(.port) { Int($0).flatMap { (0...65535).contains($0) ? $0 : nil } } expected: {
            "'\($0)' is not a port number (0-65535)"
        }
        dataDirectory = try values.require(.data) { $0.isEmpty ? nil : $0 } expected: { _ in "must not be empty" }
        logLevel = try values.require(.logLevel) { Logger.Level(rawValue: $0.lowercased()) } expected: {
            "'\($0)' is not one of trace, debug, info, notice, warning, error, critical"
        }
        logFormat = try values.require(.logFormat) { LogFormat(rawValue: $0.lowercased()) } expected: {
            "'\($0)' is not one of text, json"
        }
        jwtSecret = try values.optional(.jwtSecret) { $0.utf8.count >= TokenAuthority.minimumSecretBytes ? $0 : nil } expected: {
            // Says how long the secret is, never what it is.
            "has \($0.utf8.count) bytes; at least \(TokenAuthority.minimumSecretBytes) are required"
        }
        jwtPublicKeyFile = try values.optional(.jwtPublicKeyFile) { $0.isEmpty ? nil : $0 } expected: { _ in "must not be empty" }
        jwtPublicKeyID = try values.optional(.jwtPublicKeyID) { $0.isEmpty ? nil : $0 } expected: { _ in "must not be empty" }
        credentialKeyFile = try values.optional(.credentialKeyFile) { $0.isEmpty ? nil : Self.expandingTilde($0) } expected: { _ in "must not be empty" }
        modelDirectory = try values.require(.modelDirectory) { $0.isEmpty ? nil : Self.expandingTilde($0) } expected: { _ in
            "must not be empty"
        }
        embedder = try values.require(.embedder) { EmbedderKind(rawValue: $0.lowercased()) } expected: { "'\($0)' is not one of local, openai" }
        ingestPrecision = try values.require(.ingestPrecision) { BertEncoder.Precision(rawValue: $0.lowercased()) } expected: { "'\($0)' is not one of half, int8" }
        remoteEmbedder = embedder == .openai ? try Self.remoteEmbedder(values) : nil
        documentStore = try Self.backend(.documentStore, in: values, among: [.embedded, .mongodb])
        mongodbURI = documentStore == .mongodb ? try Self.mongodbURI(values) : nil
        vectorStore = try Self.backend(.vectorStore, in: values, among: [.embedded, .qdrant])
        qdrant = vectorStore == .qdrant ? try Self.qdrantEndpoint(values) : nil
        queue = try Self.backend(.queue, in: values, among: [.embedded, .redis])
        redis = queue == .redis ? try Self.redisQueue(values) : nil
        maxUploadBytes = try values.require(.maxUploadMB) { Int($0).flatMap { (1...10_240).contains($0) ? $0 * 1_048_576 : nil } } expected: {
            "'\($0)' is not a whole number of MiB between 1 and 10240"
        }
        clientDeadlines = ClientDeadlines(
            header: .seconds(try values.require(.httpHeaderTimeout) { Int($0).flatMap { (1...3600).contains($0) ? $0 : nil } } expected: {
                "'\($0)' is not a whole number of seconds between 1 and 3600"
            }),
            body: .seconds(try values.require(.httpBodyTimeout) { Int($0).flatMap { (1...86_400).contains($0) ? $0 : nil } } expected: {
                "'\($0)' is not a whole number of seconds between 1 and 86400"
            })
        )
        indexRoot = try values.optional(.indexRoot) { IndexRoot(Self.expandingTilde($0)) } expected: { "'\($0)' is not an existing folder" }
        bm25 = BM25Parameters(
            k1: try values.require(.bm25K1) { Float($0).flatMap { $0 >= 0 && $0 <= 10 ? $0 : nil } } expected: { "'\($0)' is not a number from 0 to 10" },
            b: try values.require(.bm25B) { Float($0).flatMap { $0 >= 0 && $0 <= 1 ? $0 : nil } } expected: { "'\($0)' is not a number from 0 to 1" }
        )
        let rrfK = try values.require(.rrfK) { Double($0).flatMap { $0 > 0 && $0 <= 10_000 ? $0 : nil } } expected: { "'\($0)' is not a number above 0" }
        fusion = try values.require(.fusion) { ["weighted": Fusion.standard, "rrf": .reciprocalRank(k: rrfK)][$0.lowercased()] } expected: {
            "'\($0)' is not one of weighted, rrf"
        }
        allowPrivateURLs = try values.require(.allowPrivateURLs) { ["true": true, "false": false][$0.lowercased()] } expected: {
            "'\($0)' is not true or false"
        }
        outboundCAFile = try values.optional(.outboundCAFile) { path in
            let expanded = Self.expandingTilde(path)
            return FileManager.default.isReadableFile(atPath: expanded) ? expanded : nil
        } expected: { "'\($0)' is not a readable file" }
        uiDirectory = try values.optional(.uiDirectory) { path in
            let expanded = Self.expandingTilde(path)
            return FileManager.default.fileExists(atPath: expanded + "/index.html") ? expanded : nil
        } expected: { "'\($0)' holds no index.html: build the web UI there with scripts/build-ui" }
        evalDirectory = try values.require(.evalDirectory) { $0.isEmpty ? nil : Self.expandingTilde($0) } expected: { _ in "must not be empty" }
        llm = try Self.chatEndpoint(values)
        otelEndpoint = try values.optional(.otelEndpoint, Self.httpURL, expected: { "'\($0)' is not an http(s) URL" })?.absoluteString
    }

    /// Where `make run` builds the web UI, relative to the repository it runs in.
    public static let defaultUIDirectory = ".build/ui"

    private static func chatEndpoint(_ values: ConfigurationLayers.Values) throws(ConfigurationError) -> ChatEndpoint? {
        let url = try values.optional(.llmURL, Self.httpURL, expected: { "'\($0)' is not an http(s) URL" })
        guard let url else { return nil }
        return ChatEndpoint(
            url: url.absoluteString,
            model: try values.require(.llmModel) { $0.isEmpty ? nil : $0 } expected: { _ in "must not be empty" },
            apiKey: try values.optional(.llmAPIKey) { $0.isEmpty ? nil : $0 } expected: { _ in "must not be empty" }
        )
    }

    private static func mongodbURI(_ values: ConfigurationLayers.Values) throws(ConfigurationError) -> String {
        // Checked for its scheme only: libmongoc parses the rest when the store opens. The value is
        // never echoed, as it may carry a password.
        let uri = try values.optional(.mongodbURI) { $0.hasPrefix("mongodb://") || $0.hasPrefix("mongodb+srv://") ? $0 : nil } expected: { _ in
            "is not a mongodb:// or mongodb+srv:// connection string"
        }
        guard let uri else {
            throw ConfigurationError(key: SettingKey.mongodbURI.name, origin: "defaults", reason: "is required when document_store is mongodb")
        }
        return uri
    }

    private static func redisQueue(_ values: ConfigurationLayers.Values) throws(ConfigurationError) -> RedisQueue {
        let url = try values.optional(.redisURL) { RedisEndpoint(url: $0) == nil ? nil : $0 } expected: { _ in
            "is not a redis://[:password@]host[:port][/db] URL"  // never echoed: it may hold a password
        }
        guard let url else {
            throw ConfigurationError(key: SettingKey.redisURL.name, origin: "defaults", reason: "is required when queue is redis")
        }
        return RedisQueue(
            url: url,
            namespace: try values.require(.redisNamespace) { name in
                !name.isEmpty && !name.contains(where: { $0.isWhitespace || $0 == ":" }) ? name : nil
            } expected: { "'\($0)' is not a namespace (no spaces or colons)" },
            heartbeatTimeout: .seconds(try values.require(.redisHeartbeatTimeout) { Int($0).flatMap { (2...3600).contains($0) ? $0 : nil } } expected: {
                "'\($0)' is not a whole number of seconds from 2 to 3600"
            })
        )
    }

    private static func qdrantEndpoint(_ values: ConfigurationLayers.Values) throws(ConfigurationError) -> QdrantEndpoint {
        let url = try values.optional(.qdrantURL, Self.httpURL, expected: { "'\($0)' is not an http(s) URL" })
        guard let url else {
            throw ConfigurationError(key: SettingKey.qdrantURL.name, origin: "defaults", reason: "is required when vector_store is qdrant")
        }
        return QdrantEndpoint(
            url: url.absoluteString,
            apiKey: try values.optional(.qdrantAPIKey) { $0.isEmpty ? nil : $0 } expected: { _ in "must not be empty" },
            // Qdrant puts the name in URL paths: letters, digits, `_` and `-` only.
            collection: try values.require(.qdrantCollection) { name in
                !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") } ? name : nil
            } expected: { "'\($0)' is not a collection name (letters, digits, _ and -)" }
        )
    }

    private static func remoteEmbedder(_ values: ConfigurationLayers.Values) throws(ConfigurationError) -> RemoteEmbedder {
        let url = try values.optional(.embedderURL, Self.httpURL, expected: { "'\($0)' is not an http(s) URL" })
        guard let url else {
            throw ConfigurationError(key: SettingKey.embedderURL.name, origin: "defaults", reason: "is required when embedder is openai")
        }
        let model = try values.optional(.embedderModel) { $0.isEmpty ? nil : $0 } expected: { _ in "must not be empty" }
        guard let model else {
            throw ConfigurationError(key: SettingKey.embedderModel.name, origin: "defaults", reason: "is required when embedder is openai")
        }
        return RemoteEmbedder(
            url: url.absoluteString,
            apiKey: try values.optional(.embedderAPIKey) { $0.isEmpty ? nil : $0 } expected: { _ in "must not be empty" },
            model: model,
            dimensions: try values.require(.embedderDimensions) { Int($0).flatMap { (1...65536).contains($0) ? $0 : nil } } expected: {
                "'\($0)' is not a vector size"
            }
        )
    }

    /// An absolute http or https URL with a host, as the endpoint settings take.
    static func httpURL(_ text: String) -> URL? {
        URL(string: text).flatMap { ["http", "https"].contains($0.scheme ?? "") && $0.host != nil ? $0 : nil }
    }

    static func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst()
    }

    private static func backend(_ key: SettingKey, in values: ConfigurationLayers.Values, among available: [Backend]) throws(ConfigurationError) -> Backend {
        try values.require(key) { Backend(rawValue: $0.lowercased()).flatMap { available.contains($0) ? $0 : nil } } expected: {
            "unknown back end '\($0)' (available: \(available.map(\.rawValue).joined(separator: ", ")))"
        }
    }
}
