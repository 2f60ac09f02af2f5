import Foundation
import NIOCore

/// The web UI as `scripts/build-ui` writes it: `index.html` and `assets/` with content-hashed
/// names, each beside its `.gz`. Read once at start (a few MB) so that serving it touches no disk.
public struct WebUI: Sendable {
    struct File: Sendable {
        let contentType: String
        let body: ByteBuffer
        /// The build's gzip of `body`, sent to clients that accept it.
        let gzipped: ByteBuffer?
    }

    let index: File
    /// By name inside `assets/`.
    let assets: [String: File]

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads `directory`; a directory without `index.html` is not a built UI.
    public static func load(from directory: URL) throws -> WebUI {
        let manager = FileManager.default
        let indexURL = directory.appendingPathComponent("index.html")
        guard manager.fileExists(atPath: indexURL.path) else {
            throw LoadError(description: "\(directory.path) holds no index.html: build the web UI with scripts/build-ui")
        }
        let assetsURL = directory.appendingPathComponent("assets")
        var assets: [String: File] = [:]
        for name in (try? manager.contentsOfDirectory(atPath: assetsURL.path)) ?? [] where !name.hasSuffix(".gz") {
            assets[name] = try file(assetsURL.appendingPathComponent(name))
        }
        return WebUI(index: try file(indexURL), assets: assets)
    }

    private static func file(_ url: URL) throws -> File {
        let body = try Data(contentsOf: url)
        let gzipped = try? Data(contentsOf: URL(fileURLWithPath: url.path + ".gz"))
        return File(
            contentType: contentType(of: url.pathExtension), body: ByteBuffer(bytes: body), gzipped: gzipped.map { ByteBuffer(bytes: $0) }
        )
    }

    static func contentType(of pathExtension: String) -> String {
        switch pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json", "map": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        default: "application/octet-stream"
        }
    }
}
