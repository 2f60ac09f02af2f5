/// One configuration key. The same name is used in the config file; the environment variable is
/// `QUARRY_` + the name in capitals. This list is the single source of the README's table.
struct SettingKey: Sendable {
    let name: String
    let defaultValue: String?
    let summary: String

    var environmentName: String { "QUARRY_" + name.uppercased() }

    static let host = SettingKey(name: "host", defaultValue: "127.0.0.1", summary: "address `quarry serve` listens on")
    static let port = SettingKey(name: "port", defaultValue: "8420", summary: "TCP port (0 picks a free one)")
    static let data = SettingKey(name: "data", defaultValue: "./.quarry", summary: "data directory: secret, embedded stores, queue")
    static let logLevel = SettingKey(name: "log_level", defaultValue: "info", summary: "trace, debug, info, notice, warning, error or critical")
    static let logFormat = SettingKey(name: "log_format", defaultValue: "text", summary: "text (key=value) or json (one object per line)")
    static let jwtSecret = SettingKey(
        name: "jwt_secret", defaultValue: nil,
        summary: "HS256 signing secret, at least 32 bytes; generated into `<data>/jwt-secret` when unset"
    )
    static let jwtPublicKeyFile = SettingKey(
        name: "jwt_public_key_file", defaultValue: nil, summary: "PEM RSA public key: also accept RS256 tokens signed by its private key"
    )
    static let jwtPublicKeyID = SettingKey(
        name: "jwt_public_key_id", defaultValue: nil,
        summary: "the `kid` your identity provider puts in RS256 tokens; when set, RS256 tokens naming another key (or none) are refused"
    )
    static let credentialKeyFile = SettingKey(
        name: "credential_key_file", defaultValue: nil,
        summary: "the file of keys that seal credentials' secrets, shared by the API and its workers; `<data>/credential-key` when unset, generated when missing"
    )
    static let modelDirectory = SettingKey(
        name: "model_dir", defaultValue: "~/.cache/quarry/models/all-MiniLM-L6-v2",
        summary: "all-MiniLM-L6-v2 files (`vocab.txt`, `model.safetensors`), as `scripts/bootstrap` installs them"
    )
    static let embedder = SettingKey(name: "embedder", defaultValue: "local", summary: "local (all-MiniLM-L6-v2 in process) or openai (an OpenAI-compatible endpoint)")
    static let ingestPrecision = SettingKey(
        name: "ingest_precision", defaultValue: "half",
        summary: "arithmetic of the local model's dense layers when it embeds documents: half (weights in half precision, as questions) or int8 (weights and activations quantised, products in integers; Docs/PERFORMANCE.md has its speed per CPU and its quality gate)"
    )
    static let embedderURL = SettingKey(name: "embedder_url", defaultValue: nil, summary: "base URL of the OpenAI-compatible API, e.g. `http://host:8000/v1` (embedder openai)")
    static let embedderAPIKey = SettingKey(name: "embedder_api_key", defaultValue: nil, summary: "bearer key for that API (never logged)")
    static let embedderModel = SettingKey(name: "embedder_model", defaultValue: nil, summary: "model name to request (embedder openai)")
    static let embedderDimensions = SettingKey(name: "embedder_dimensions", defaultValue: "384", summary: "vector size the remote model returns")
    static let documentStore = SettingKey(name: "document_store", defaultValue: "embedded", summary: "where documents live: embedded or mongodb")
    static let mongodbURI = SettingKey(
        name: "mongodb_uri", defaultValue: nil,
        summary: "MongoDB connection string, e.g. `mongodb://mongo:27017/quarry` (document_store mongodb; never logged)"
    )
    static let vectorStore = SettingKey(name: "vector_store", defaultValue: "embedded", summary: "where vectors live: embedded or qdrant")
    static let qdrantURL = SettingKey(name: "qdrant_url", defaultValue: nil, summary: "Qdrant's REST base URL, e.g. `http://qdrant:6333` (vector_store qdrant)")
    static let qdrantAPIKey = SettingKey(name: "qdrant_api_key", defaultValue: nil, summary: "Qdrant API key, sent as `api-key` (never logged)")
    static let qdrantCollection = SettingKey(name: "qdrant_collection", defaultValue: "quarry_chunks", summary: "the Qdrant collection of chunks (created on first use)")
    static let queue = SettingKey(name: "queue", defaultValue: "embedded", summary: "job queue: embedded or redis (Dramatiq's layout)")
    static let redisURL = SettingKey(name: "redis_url", defaultValue: nil, summary: "`redis://[:password@]host[:port][/db]` (queue redis; never logged)")
    static let redisNamespace = SettingKey(name: "redis_namespace", defaultValue: "dramatiq", summary: "key prefix of the queues, as Dramatiq's `namespace`")
    static let redisHeartbeatTimeout = SettingKey(
        name: "redis_heartbeat_timeout", defaultValue: "60",
        summary: "seconds of silence after which a worker is taken for dead and its jobs go to others (Dramatiq's `heartbeat_timeout`)"
    )
    static let maxUploadMB = SettingKey(name: "max_upload_mb", defaultValue: "100", summary: "largest upload accepted, in MiB (larger: 413); nginx's limit matches")
    static let httpHeaderTimeout = SettingKey(
        name: "http_header_timeout", defaultValue: "20",
        summary: "seconds a client has to send a request's headers, counted from the connection opening or the previous answer ending (then it is closed)"
    )
    static let httpBodyTimeout = SettingKey(
        name: "http_body_timeout", defaultValue: "120",
        summary: "seconds a client has to send a request's whole body once its headers are in (then 408): 100 MiB in 120 s needs 7 Mbit/s"
    )
    static let indexRoot = SettingKey(
        name: "index_root", defaultValue: nil,
        summary: "folder whose files `POST /api/v1/index-jobs` may index by path, as the API and the workers see it (unset: paths refused)"
    )
    static let bm25K1 = SettingKey(name: "bm25_k1", defaultValue: "0.9", summary: "BM25 term-frequency saturation (Anserini's default)")
    static let bm25B = SettingKey(name: "bm25_b", defaultValue: "0.4", summary: "BM25 length normalisation, 0 to 1 (Anserini's default)")
    static let fusion = SettingKey(name: "fusion", defaultValue: "weighted", summary: "hybrid fusion: weighted (min-max normalised, equal weights) or rrf")
    static let rrfK = SettingKey(name: "rrf_k", defaultValue: "60", summary: "k of reciprocal rank fusion (fusion rrf)")
    static let allowPrivateURLs = SettingKey(
        name: "allow_private_urls", defaultValue: "false",
        summary: "fetch submitted URLs that resolve to loopback, private or link-local addresses (true only on a trusted network)"
    )
    static let outboundCAFile = SettingKey(
        name: "outbound_ca_file", defaultValue: nil,
        summary: "a PEM file of the certificate authorities that connectors and http_request trust instead of the system's (a private CA)"
    )
    static let uiDirectory = SettingKey(
        name: "ui_dir", defaultValue: nil,
        summary: "the built web UI served at `/` (`scripts/build-ui` writes it); unset: `.build/ui` under the working directory, if `make run` built it there"
    )
    static let evalDirectory = SettingKey(
        name: "eval_dir", defaultValue: "eval/results",
        summary: "the folder whose `quarry eval` records (`DATASET-MODE.json`) the UI's eval page lists to admins; `quarry eval --output` writes there"
    )
    static let llmURL = SettingKey(
        name: "llm_url", defaultValue: nil,
        summary: "base URL of an OpenAI-compatible chat API, e.g. `http://127.0.0.1:8080/v1`; enables `answer: llm`"
    )
    static let llmModel = SettingKey(name: "llm_model", defaultValue: "default", summary: "chat model name to request (llm_url)")
    static let llmAPIKey = SettingKey(name: "llm_api_key", defaultValue: nil, summary: "bearer key for the chat API (never logged)")
    static let otelEndpoint = SettingKey(
        name: "otel_endpoint", defaultValue: nil,
        summary: "base URL of an OpenTelemetry collector's OTLP/HTTP receiver, e.g. `http://127.0.0.1:4318`: traces go to its `/v1/traces`; unset: no tracing"
    )

    static let all: [SettingKey] = [
        host, port, data, logLevel, logFormat, jwtSecret, jwtPublicKeyFile, jwtPublicKeyID, credentialKeyFile, modelDirectory, embedder, ingestPrecision, embedderURL, embedderAPIKey,
        embedderModel, embedderDimensions, documentStore, mongodbURI, vectorStore, qdrantURL, qdrantAPIKey, qdrantCollection, queue, redisURL, redisNamespace, redisHeartbeatTimeout, maxUploadMB, httpHeaderTimeout, httpBodyTimeout, indexRoot, bm25K1, bm25B, fusion, rrfK,
        allowPrivateURLs, outboundCAFile, uiDirectory, evalDirectory, llmURL, llmModel, llmAPIKey, otelEndpoint,
    ]

    /// The config file is named by `--config` or this variable; it is not itself a key of the file.
    static let configFileEnvironment = "QUARRY_CONFIG"
}
