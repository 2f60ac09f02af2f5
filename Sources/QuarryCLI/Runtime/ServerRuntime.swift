import Foundation
import Logging
import QuarryCore
import QuarryEmbedding
import QuarryEngine
import QuarryHTTP
import QuarryServer
import ServiceLifecycle

/// The composition root of `quarry serve`: validated settings → prepared data directory, keys,
/// metrics and back-end checks, wired into ``ServerDependencies``.
struct ServerRuntime {
    let engine: EngineRuntime
    let dataDirectory: DataDirectory
    let secret: SigningSecret
    let authority: TokenAuthority
    let dependencies: ServerDependencies
    /// Exports spans while the server runs, when `otel_endpoint` is set.
    let tracing: (any Service)?

    static func start(_ settings: Settings) async throws(ConfigurationError) -> ServerRuntime {
        let engine = try EngineRuntime.open(settings)
        let directory = engine.directory
        let secret = try SigningSecret.resolve(configured: settings.jwtSecret, in: directory)
        let authority = try await makeAuthority(settings, secret: secret, directory: directory)
        Observability.bootstrapLogging(settings)
        let metrics = Observability.bootstrapMetrics()
        let tracing = try Observability.bootstrapTracing(settings, role: "serve")
        let checks = engine.readinessChecks
        let api = ServerDependencies.Engine(pipeline: engine.pipeline, indexJobs: engine.indexJobs, retriever: engine.retriever,
                                            workflows: engine.workflows, credentials: engine.credentials, maximumUploadBytes: settings.maxUploadBytes,
                                            evalArchive: EvalArchive(directory: URL(fileURLWithPath: settings.evalDirectory)),
                                            apiKeys: APIKeys(store: engine.backends.store))
        return ServerRuntime(
            engine: engine, dataDirectory: directory, secret: secret, authority: authority,
            dependencies: ServerDependencies(
                authority: authority, metrics: metrics, readinessChecks: checks, embedder: engine.embedder, engine: api, webUI: try webUI(settings),
                tracing: tracing != nil
            ),
            tracing: tracing
        )
    }

    /// The configured UI (which must load), else the one `make run` built, else none: the API runs
    /// without it and `/` says how to build it.
    static func webUI(_ settings: Settings) throws(ConfigurationError) -> WebUI? {
        let path = settings.uiDirectory ?? Settings.defaultUIDirectory
        if settings.uiDirectory == nil, !FileManager.default.fileExists(atPath: path + "/index.html") { return nil }
        do {
            return try WebUI.load(from: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(key: SettingKey.uiDirectory.name, origin: path, reason: "cannot read the web UI: \(error)")
        }
    }

    /// The token authority from the secret and the optional RS256 public key, with key problems named by setting.
    static func makeAuthority(_ settings: Settings, secret: SigningSecret, directory: DataDirectory) async throws(ConfigurationError) -> TokenAuthority {
        var publicKey: String?
        if let file = settings.jwtPublicKeyFile {
            guard let pem = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw ConfigurationError(key: SettingKey.jwtPublicKeyFile.name, origin: file, reason: "cannot read the file")
            }
            publicKey = pem
        }
        do {
            return try await TokenAuthority(secret: secret.value, rsaPublicKeyPEM: publicKey, rsaKeyID: settings.jwtPublicKeyID)
        } catch {
            if case .secretTooShort = error {
                // A configured secret was checked with the settings: this one came from the secret file.
                let file = directory.path + "/" + SigningSecret.fileName
                throw ConfigurationError(key: SettingKey.jwtSecret.name, origin: file, reason: error.description)
            }
            throw ConfigurationError(key: SettingKey.jwtPublicKeyFile.name, origin: settings.jwtPublicKeyFile ?? "", reason: error.description)
        }
    }
}
