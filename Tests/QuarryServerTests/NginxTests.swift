import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryServer
import QuarryTestSupport
import Testing

/// `nginx/quarry.conf` in front of a live Quarry server, with Debian's real nginx on loopback and a
/// self-signed certificate; requests go over HTTPS with curl.
@Suite("nginx reverse proxy", .serialized)
struct NginxTests {
    @Test("serves /health and an authenticated /api/v1 route over HTTPS, refuses a missing token, redirects HTTP")
    func throughNginx() async throws {
        let authority = try await Fixture.authority()
        let token = try await Fixture.token(authority, tenant: "acme", role: .viewer)
        try await Fixture.application(authority: authority).test(.live) { client in
            let upstream = try #require(client.port)
            let proxy = try await offPool { try NginxProxy(upstreamPort: upstream) }
            defer { proxy.stop() }

            let health = try await offPool { try proxy.curl("/health") }
            #expect(health.status == 200)
            #expect(health.body.contains(#""status":"ok""#))

            let me = try await offPool { try proxy.curl("/api/v1/me", headers: ["Authorization: Bearer \(token)"]) }
            #expect(me.status == 200)
            #expect(me.body.contains(#""tenant":"acme""#))
            #expect(me.headers.contains { $0.lowercased().hasPrefix("strict-transport-security:") })
            // nginx's $request_id reaches Quarry and comes back.
            #expect(me.headers.contains { $0.lowercased().hasPrefix("x-request-id:") })

            let anonymous = try await offPool { try proxy.curl("/api/v1/me") }
            #expect(anonymous.status == 401)

            let metrics = try await offPool { try proxy.curl("/metrics") }
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("hb_requests"))

            let redirect = try await offPool { try proxy.curlPlain("/health") }
            #expect(redirect.status == 301)

            // Bodies over client_max_body_size are refused by nginx with 413.
            let huge = try await offPool {
                try proxy.curl("/api/v1/me", headers: ["Authorization: Bearer \(token)"], uploadBytes: 101 * 1024 * 1024)
            }
            #expect(huge.status == 413)
        }
    }
}

extension NginxTests {
    @Test("passes the web UI's page and hashed assets on with their policy and caching intact")
    func webUIThroughNginx() async throws {
        let ui = try WebUI.load(from: try WebUITests.builtUI())
        let dependencies = ServerDependencies(authority: try await Fixture.authority(), metrics: Fixture.metrics, readinessChecks: [], webUI: ui)
        try await Application(router: makeRouter(dependencies)).test(.live) { client in
            let proxy = try await offPool { try NginxProxy(upstreamPort: try #require(client.port)) }
            defer { proxy.stop() }
            let page = try await offPool { try proxy.curl("/") }
            #expect(page.status == 200)
            #expect(page.headers.contains { $0.lowercased().hasPrefix("content-security-policy: default-src 'none'") })
            #expect(page.headers.contains { $0.lowercased().hasPrefix("strict-transport-security:") })
            let asset = try await offPool { try proxy.curl("/assets/app-0123456789ab.js") }
            #expect(asset.status == 200)
            #expect(asset.headers.contains { $0.lowercased() == "cache-control: public, max-age=31536000, immutable" })
            #expect(asset.body == "console.log('quarry');")
        }
    }
}

/// A private nginx: config, certificate, logs and pid in a temporary directory; stopped by `stop()`.
/// Used by one test at a time.
final class NginxProxy: @unchecked Sendable {
    let directory: URL
    let httpsPort: Int
    let httpPort: Int
    private let process: Process

    static var repositoryConfig: URL { repositoryRoot.appendingPathComponent("nginx/quarry.conf") }

    init(upstreamPort: Int) throws {
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
            #expect(config.contains(from), "nginx/quarry.conf no longer contains '\(from)'")
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

    func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    struct Reply { let status: Int; let headers: [String]; let body: String }

    /// One HTTPS request through nginx, trusting only the test certificate.
    func curl(_ path: String, headers: [String] = [], uploadBytes: Int? = nil) throws -> Reply {
        var arguments = ["-sS", "--cacert", directory.path + "/tls.crt"]
        if let uploadBytes {
            let file = directory.path + "/upload.bin"
            try Data(count: uploadBytes).write(to: URL(fileURLWithPath: file))
            arguments += ["--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"]
        }
        return try request(arguments, url: "https://localhost:\(httpsPort)\(path)", headers: headers)
    }

    func curlPlain(_ path: String) throws -> Reply {
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

