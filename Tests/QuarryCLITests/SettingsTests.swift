import Foundation
import QuarryCore
import QuarryRedis
@testable import QuarryCLI
import QuarryTestSupport
import Testing

@Suite("Configuration layers and validation")
struct SettingsTests {
    static func configFile(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("defaults alone give a working embedded configuration")
    func defaults() throws {
        let settings = try Settings.resolve(environment: [:])
        #expect(settings.host == "127.0.0.1")
        #expect(settings.port == 8420)
        #expect(settings.dataDirectory == "./.quarry")
        #expect(settings.logLevel == .info)
        #expect(settings.jwtSecret == nil)
        #expect(settings.vectorStore == .embedded && settings.documentStore == .embedded && settings.queue == .embedded)
        #expect(settings.indexRoot == nil, "no paths are indexed over the API unless the operator says where from")
    }

    @Test("index_root is resolved, links and all, to the folder it names")
    func indexRoot() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("corpus"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("link"), withDestinationURL: folder.appendingPathComponent("corpus"))
        let settings = try Settings.resolve(environment: ["QUARRY_INDEX_ROOT": folder.path + "/link/"])
        #expect(settings.indexRoot?.path == folder.resolvingSymlinksInPath().path + "/corpus")
    }

    @Test("file overrides defaults, environment overrides file, flags override environment")
    func precedence() throws {
        let file = try Self.configFile(#"{"port": 9000, "host": "0.0.0.0", "log_level": "debug", "data": "/srv/file"}"#)
        let environment = ["QUARRY_PORT": "9001", "QUARRY_DATA": "/srv/env"]
        let settings = try Settings.resolve(environment: environment, configFile: file, flags: ["data": "/srv/flag"])
        #expect(settings.host == "0.0.0.0")  // file
        #expect(settings.logLevel == .debug)  // file
        #expect(settings.port == 9001)  // environment over file
        #expect(settings.dataDirectory == "/srv/flag")  // flag over environment
    }

    @Test("retrieval knobs: BM25 k1 and b, fusion and RRF's k; defaults are the documented ones")
    func retrievalKnobs() throws {
        let defaults = try Settings.resolve(environment: [:])
        #expect(defaults.bm25 == BM25Parameters(k1: 0.9, b: 0.4) && defaults.fusion == .standard)
        let tuned = try Settings.resolve(environment: ["QUARRY_BM25_K1": "1.2", "QUARRY_BM25_B": "0.75", "QUARRY_FUSION": "rrf", "QUARRY_RRF_K": "20"])
        #expect(tuned.bm25 == BM25Parameters(k1: 1.2, b: 0.75))
        #expect(tuned.fusion == .reciprocalRank(k: 20))
    }

    @Test("the LLM endpoint and private URL fetching are off unless configured")
    func llmAndURLs() throws {
        let defaults = try Settings.resolve(environment: [:])
        #expect(defaults.llm == nil && defaults.allowPrivateURLs == false)
        let configured = try Settings.resolve(environment: [
            "QUARRY_LLM_URL": "http://127.0.0.1:8080/v1", "QUARRY_LLM_MODEL": "smollm2", "QUARRY_LLM_API_KEY": "k", "QUARRY_ALLOW_PRIVATE_URLS": "TRUE",
        ])
        #expect(configured.llm == Settings.ChatEndpoint(url: "http://127.0.0.1:8080/v1", model: "smollm2", apiKey: "k"))
        #expect(configured.allowPrivateURLs)
    }

    @Test("a remote embedder is configured by URL, model, key and size")
    func remoteEmbedder() throws {
        let settings = try Settings.resolve(environment: [
            "QUARRY_EMBEDDER": "openai", "QUARRY_EMBEDDER_URL": "https://api.example.com/v1",
            "QUARRY_EMBEDDER_MODEL": "text-embedding-3-small", "QUARRY_EMBEDDER_DIMENSIONS": "1536", "QUARRY_EMBEDDER_API_KEY": "k",
        ])
        #expect(settings.remoteEmbedder == .init(url: "https://api.example.com/v1", apiKey: "k", model: "text-embedding-3-small", dimensions: 1536))
        #expect(try Settings.resolve(environment: [:]).remoteEmbedder == nil)
    }

    @Test("vector_store qdrant takes Qdrant's URL, key and collection")
    func qdrant() throws {
        let settings = try Settings.resolve(environment: [
            "QUARRY_VECTOR_STORE": "Qdrant", "QUARRY_QDRANT_URL": "http://qdrant:6333", "QUARRY_QDRANT_API_KEY": "k",
        ])
        #expect(settings.vectorStore == .qdrant)
        #expect(settings.qdrant == .init(url: "http://qdrant:6333", apiKey: "k", collection: "quarry_chunks"))
        #expect(try Settings.resolve(environment: ["QUARRY_QDRANT_URL": "http://qdrant:6333"]).qdrant == nil)  // only used when selected
    }

    @Test("document_store mongodb takes a connection string, never echoed in errors")
    func mongodb() throws {
        let settings = try Settings.resolve(environment: ["QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": "mongodb://u:secret@mongo:27017/quarry"])
        #expect(settings.documentStore == .mongodb && settings.mongodbURI == "mongodb://u:secret@mongo:27017/quarry")
        #expect {
            try Settings.resolve(environment: ["QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": "mongo://u:secret@h"])
        } throws: { error in
            !"\(error)".contains("secret")
        }
    }

    @Test("queue redis takes a URL (password kept out of errors) and Dramatiq's namespace")
    func redis() throws {
        let settings = try Settings.resolve(environment: ["QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": "redis://:pw@redis:6380/2"])
        #expect(settings.queue == .redis && settings.redis == .init(url: "redis://:pw@redis:6380/2", namespace: "dramatiq", heartbeatTimeout: .seconds(60)))
        #expect(RedisEndpoint(url: "redis://:pw@redis:6380/2") == RedisEndpoint(host: "redis", port: 6380, password: "pw", database: 2))
        #expect(RedisEndpoint(url: "redis://redis") == RedisEndpoint(host: "redis", port: 6379, password: nil, database: 0))
        #expect(RedisEndpoint(url: "redis://redis/x") == nil && RedisEndpoint(url: "rediss://redis") == nil)
    }

    @Test("QUARRY_CONFIG names the file when --config does not")
    func configFromEnvironment() throws {
        let file = try Self.configFile(#"{"port": "9100"}"#)
        #expect(try Settings.resolve(environment: ["QUARRY_CONFIG": file]).port == 9100)
    }

    @Test("bad values stop the start with the key and where it came from", arguments: [
        (["QUARRY_PORT": "eighty"], "port", "QUARRY_PORT", "'eighty' is not a port number"),
        (["QUARRY_PORT": "70000"], "port", "QUARRY_PORT", "not a port number"),
        (["QUARRY_VECTOR_STORE": "pinecone"], "vector_store", "QUARRY_VECTOR_STORE", "unknown back end 'pinecone'"),
        (["QUARRY_QUEUE": "kafka"], "queue", "QUARRY_QUEUE", "unknown back end 'kafka'"),
        (["QUARRY_QUEUE": "qdrant"], "queue", "QUARRY_QUEUE", "unknown back end 'qdrant' (available: embedded, redis)"),
        (["QUARRY_QUEUE": "redis"], "redis_url", "defaults", "is required when queue is redis"),
        (["QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": "http://r:6379"], "redis_url", "QUARRY_REDIS_URL", "is not a redis://"),
        (["QUARRY_QUEUE": "redis", "QUARRY_REDIS_URL": "redis://r", "QUARRY_REDIS_NAMESPACE": "a:b"], "redis_namespace", "QUARRY_REDIS_NAMESPACE",
         "'a:b' is not a namespace"),
        (["QUARRY_VECTOR_STORE": "qdrant"], "qdrant_url", "defaults", "is required when vector_store is qdrant"),
        (["QUARRY_DOCUMENT_STORE": "mongodb"], "mongodb_uri", "defaults", "is required when document_store is mongodb"),
        (["QUARRY_DOCUMENT_STORE": "mongodb", "QUARRY_MONGODB_URI": "postgres://u:pw@h/db"], "mongodb_uri", "QUARRY_MONGODB_URI",
         "is not a mongodb:// or mongodb+srv:// connection string"),
        (["QUARRY_VECTOR_STORE": "qdrant", "QUARRY_QDRANT_URL": "qdrant:6333"], "qdrant_url", "QUARRY_QDRANT_URL", "not an http(s) URL"),
        (["QUARRY_VECTOR_STORE": "qdrant", "QUARRY_QDRANT_URL": "http://q:6333", "QUARRY_QDRANT_COLLECTION": "a/b"],
         "qdrant_collection", "QUARRY_QDRANT_COLLECTION", "'a/b' is not a collection name"),
        (["QUARRY_LOG_LEVEL": "loud"], "log_level", "QUARRY_LOG_LEVEL", "'loud' is not one of"),
        (["QUARRY_JWT_SECRET": "too-short"], "jwt_secret", "QUARRY_JWT_SECRET", "has 9 bytes; at least 32"),
        (["QUARRY_PROT": "1"], "QUARRY_PROT", "environment", "unknown setting"),
        (["QUARRY_EMBEDDER": "openai"], "embedder_url", "defaults", "is required when embedder is openai"),
        (["QUARRY_EMBEDDER": "openai", "QUARRY_EMBEDDER_URL": "ftp://x"], "embedder_url", "QUARRY_EMBEDDER_URL", "not an http(s) URL"),
        (["QUARRY_EMBEDDER": "openai", "QUARRY_EMBEDDER_URL": "http://h/v1"], "embedder_model", "defaults", "is required"),
        (["QUARRY_EMBEDDER": "cohere"], "embedder", "QUARRY_EMBEDDER", "'cohere' is not one of local, openai"),
        (["QUARRY_BM25_B": "1.5"], "bm25_b", "QUARRY_BM25_B", "'1.5' is not a number from 0 to 1"),
        (["QUARRY_BM25_K1": "-1"], "bm25_k1", "QUARRY_BM25_K1", "not a number from 0 to 10"),
        (["QUARRY_FUSION": "max"], "fusion", "QUARRY_FUSION", "'max' is not one of weighted, rrf"),
        (["QUARRY_RRF_K": "0"], "rrf_k", "QUARRY_RRF_K", "not a number above 0"),
        (["QUARRY_LLM_URL": "ftp://x"], "llm_url", "QUARRY_LLM_URL", "not an http(s) URL"),
        (["QUARRY_LLM_URL": "http://h/v1", "QUARRY_LLM_MODEL": ""], "llm_model", "QUARRY_LLM_MODEL", "must not be empty"),
        (["QUARRY_ALLOW_PRIVATE_URLS": "maybe"], "allow_private_urls", "QUARRY_ALLOW_PRIVATE_URLS", "'maybe' is not true or false"),
        (["QUARRY_INDEX_ROOT": "/nonexistent/corpus"], "index_root", "QUARRY_INDEX_ROOT", "'/nonexistent/corpus' is not an existing folder"),
        (["QUARRY_INDEX_ROOT": "/etc/hostname"], "index_root", "QUARRY_INDEX_ROOT", "is not an existing folder"),
    ])
    func badValues(environment: [String: String], key: String, origin: String, reason: String) {
        #expect {
            try Settings.resolve(environment: environment)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.key == key && error.origin == origin && error.reason.contains(reason)
        }
    }

    @Test("a short secret is never echoed back")
    func secretNotEchoed() {
        let secret = "hunter2-super-secret"
        do {
            _ = try Settings.resolve(environment: ["QUARRY_JWT_SECRET": secret])
            Issue.record("a short secret was accepted")
        } catch {
            #expect(!error.description.contains(secret))
            #expect(error.description.contains("jwt_secret"))
        }
    }

    @Test("config file problems name the file and the key", arguments: [
        (#"{"prot": 1}"#, "prot", "unknown setting"),
        (#"{"port": [1]}"#, "port", "must be a string or a number"),
        (#"[1, 2]"#, "config", "is not a JSON object"),
        (#"{"port": "#, "config", "is not a JSON object"),
    ])
    func badFiles(json: String, key: String, reason: String) throws {
        let file = try Self.configFile(json)
        #expect {
            try Settings.resolve(environment: [:], configFile: file)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.key == key && error.origin == file && error.reason.contains(reason)
        }
    }

    @Test("a missing config file is a clear error")
    func missingFile() {
        #expect(throws: ConfigurationError.self) { try Settings.resolve(environment: [:], configFile: "/nonexistent/quarry.json") }
    }
}
