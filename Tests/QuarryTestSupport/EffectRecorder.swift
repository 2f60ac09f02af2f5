import Foundation

/// A local HTTP endpoint (scripts/testservers/effect_recorder.py) that records what workflow
/// nodes send it, by idempotency key: how tests see a side effect happen once, or not at all.
public final class EffectRecorder: @unchecked Sendable {
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    private var service: ServiceProcess?

    /// `documents`: a folder whose files it also serves, at `/documents/<name>`.
    public init(documents: URL? = nil) throws {
        port = try freePort()
        let url = url
        let arguments = ["--port", String(port)] + (documents.map { ["--documents", $0.path] } ?? [])
        service = try ServiceProcess(Venv.python, [repositoryRoot.path + "/scripts/testservers/effect_recorder.py"] + arguments) {
            answersOK(url + "/healthz")
        }
    }

    public struct Request: Decodable, Sendable {
        public let method: String
        public let path: String
        public let key: String?
        public let body: String
        public let contentType: String?
        public let authorization: String?

        enum CodingKeys: String, CodingKey { case method, path, key, body, contentType = "content_type", authorization }
    }

    public struct Effects: Decodable, Sendable {
        public let requests: [Request]
        /// Requests per idempotency key.
        public let keys: [String: Int]
    }

    public func effects() throws -> Effects {
        let text = try run("/usr/bin/curl", ["-sS", "-m", "5", url + "/_effects"])
        return try JSONDecoder().decode(Effects.self, from: Data(text.utf8))
    }

    public func stop() { service?.stop() }
}
