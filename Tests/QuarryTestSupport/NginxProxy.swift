import Foundation

/// A private nginx: config, certificate, logs and pid in a temporary directory; stopped by `stop()`.
/// Used by one test at a time: NginxTests, and TracingTests for a `traceparent` passed on.
public final class NginxProxy: @unchecked Sendable {
    /// The shipped config no longer holds a line the proxy rewrites for the test.
    public struct ConfigChanged: Error, CustomStringConvertible {
        public let missing: String
        public var description: String { "nginx/quarry.conf no longer contains '\(missing)'" }
    }

    public let directory: URL
    public let httpsPort: Int
    public let httpPort: Int
    private let process: Process

    public static var repositoryConfig: URL { repositoryRoot.appendingPathComponent("nginx/quarry.conf") }

    public init(upstreamPort: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        httpsPort = try freePort()
        httpPort = try freePort()
        let dir = directory.path
        try run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", "\(dir)/tls.key", "-out", "\(dir)/tls.crt",
        ])

        // The shipped config with this test's ports and certificate; each replacement must hit.
        var config = try String(contentsOf: Self.repositoryConfig, encoding: .utf8)
        for (from, to) in [
            ("server 127.0.0.1:8420;", "server 127.0.0.1:\(upstreamPort);"),
            ("listen 443 ssl;", "listen 127.0.0.1:\(httpsPort) ssl;"),
            ("listen 80;", "listen 127.0.0.1:\(httpPort);"),
            ("/etc/quarry/tls/quarry.crt", "\(dir)/tls.crt"),
            ("/etc/quarry/tls/quarry.key", "\(dir)/tls.key"),
        ] {
            guard config.contains(from) else { throw ConfigChanged(missing: from) }
            config = config.replacingOccurrences(of: from, with: to)
        }
        try config.write(toFile: "\(dir)/quarry.conf", atomically: true, encoding: .utf8)
        let main = """
            daemon off;
            worker_processes 1;
            pid \(dir)/nginx.pid;
            error_log \(dir)/error.log warn;
            events { worker_connections 64; }
            http {
                access_log \(dir)/access.log;
                client_body_temp_path \(dir)/body;
                proxy_temp_path \(dir)/proxy;
                fastcgi_temp_path \(dir)/fastcgi;
                uwsgi_temp_path \(dir)/uwsgi;
                scgi_temp_path \(dir)/scgi;
                include \(dir)/quarry.conf;
            }
            """
        try main.write(toFile: "\(dir)/nginx.conf", atomically: true, encoding: .utf8)
        try run("/usr/sbin/nginx", ["-t", "-q", "-p", dir, "-c", "\(dir)/nginx.conf"])

        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", dir, "-c", "\(dir)/nginx.conf"]
        try process.run()
        try waitForPort(httpsPort)
    }

    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    public struct Reply: Sendable {
        public let status: Int
        public let headers: [String]
        public let body: String
    }

    /// One HTTPS request through nginx, trusting only the test certificate.
    public func curl(_ path: String, headers: [String] = [], uploadBytes: Int? = nil) throws -> Reply {
        var arguments = ["-sS", "--cacert", directory.path + "/tls.crt"]
        if let uploadBytes {
            let file = directory.path + "/upload.bin"
            try Data(count: uploadBytes).write(to: URL(fileURLWithPath: file))
            arguments += ["--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"]
        }
        return try request(arguments, url: "https://localhost:\(httpsPort)\(path)", headers: headers)
    }

    public func curlPlain(_ path: String) throws -> Reply {
        try request(["-sS"], url: "http://127.0.0.1:\(httpPort)\(path)", headers: [])
    }

    private func request(_ options: [String], url: String, headers: [String]) throws -> Reply {
        let headerFile = directory.path + "/headers-\(UUID().uuidString)"
        var arguments = options + ["-D", headerFile, "-o", "-", "-w", "\n%{http_code}"]
        for header in headers { arguments += ["-H", header] }
        let output = try run("/usr/bin/curl", arguments + [url])
        let status = Int(output.split(separator: "\n").last ?? "") ?? 0
        let body = String(output.dropLast(String(status).count + 1))
        let headerLines = (try? String(contentsOfFile: headerFile, encoding: .utf8))?.components(separatedBy: "\r\n") ?? []
        return Reply(status: status, headers: headerLines, body: body)
    }
}

