import Foundation
import QuarryTestSupport
import Testing

/// Clients too slow to be honest (slowloris) against a real `quarry serve` whose deadlines are
/// short: 2 s for a request's headers, 3 s for its body. The server closes what they hold, answers
/// everyone else meanwhile, and never cuts an answer that is simply long.
@Suite("slow clients")
struct SlowClientTests {
    static let deadlines = ["QUARRY_HTTP_HEADER_TIMEOUT": "2", "QUARRY_HTTP_BODY_TIMEOUT": "3"]

    static func port(of server: ServeProcess) throws -> Int {
        try #require(Int(server.url.split(separator: ":").last ?? ""))
    }

    @Test("headers sent a byte at a time: the connection is closed unanswered, 100 such clients do not keep others out")
    func slowHeaders() async throws {
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: Self.deadlines)
        defer { _ = server.terminate() }
        let port = try Self.port(of: server)

        let crowd = try (0..<100).map { _ in try RawConnection(port: port) }
        for connection in crowd { connection.send("GET /health HTTP/1.1\r\nHost: quarry\r\n") }
        let slow = try RawConnection(port: port)
        let started = Date()
        slow.send("GET /health HTTP/1.1\r\nHost: quarry\r\n")
        // One more header byte every 250 ms: without a deadline this would go on for a minute.
        let header = Array("X-Slow: " + String(repeating: "a", count: 240))
        for character in header where !slow.closedByServer {
            slow.send(String(character))
            slow.read(for: 0.25)
            // Meanwhile, an honest client is answered at once.
            if character == header[20] { #expect(try server.get("/health").status == 200) }
        }
        #expect(slow.closedByServer, "still open after \(Date().timeIntervalSince(started)) s")
        #expect(slow.received.isEmpty, "a request whose head never ended has nothing to answer: \(slow.text)")
        #expect(Date().timeIntervalSince(started) >= 1.5, "closed before its deadline")
        let crowdDeadline = Date().addingTimeInterval(5)
        for connection in crowd { connection.read(for: max(0.01, crowdDeadline.timeIntervalSinceNow)) }
        let stillOpen = crowd.filter { !$0.closedByServer }.count
        #expect(stillOpen == 0, "\(stillOpen) of 100 still open")
    }

    @Test("a body that stops halfway: 408 in the one error shape, the connection closed, and nothing written")
    func slowBody() async throws {
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: Self.deadlines)
        defer { _ = server.terminate() }
        let admin = try #require(server.firstAdminToken)
        let connection = try RawConnection(port: try Self.port(of: server))
        let body = #"{"id": "half", "name": "half", "nodes": [{"id": "start", "type": "trigger", "config": {}}], "edges": []}"#
        connection.send("POST /api/v1/workflows HTTP/1.1\r\nHost: quarry\r\nAuthorization: Bearer \(admin)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + String(body.prefix(40)))
        connection.read(for: 30)
        #expect(connection.closedByServer)
        #expect(connection.text.hasPrefix("HTTP/1.1 408"), "\(connection.text)")
        #expect(connection.text.contains(#"{"error":{"code":"request_timeout","field":null,"message":"the request body did not arrive within 3 s"}}"#),
                "\(connection.text)")
        #expect(try server.get("/api/v1/workflows/half", token: admin).status == 404, "a half-sent workflow is not saved")
    }

    @Test("a head larger than the server reads (80 KB) is refused with 400 and the connection closed; the server goes on")
    func hugeHead() async throws {
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: Self.deadlines)
        defer { _ = server.terminate() }
        let connection = try RawConnection(port: try Self.port(of: server))
        connection.send("GET /health HTTP/1.1\r\nHost: quarry\r\nX-Padding: " + String(repeating: "p", count: 100_000) + "\r\n\r\n")
        connection.read(for: 30)
        #expect(connection.text.hasPrefix("HTTP/1.1 400") && connection.closedByServer, "\(connection.text.prefix(300))")
        #expect(try server.get("/health").status == 200)
    }

    @Test("an idle keep-alive connection is closed after the header deadline; an answer longer than both deadlines is not cut")
    func longAnswer() async throws {
        let server = try ServeProcess(data: ServeCommandTests.temporaryData(), environment: Self.deadlines)
        defer { _ = server.terminate() }
        let admin = try #require(server.firstAdminToken)
        let port = try Self.port(of: server)

        let idle = try RawConnection(port: port)
        idle.send("GET /health HTTP/1.1\r\nHost: quarry\r\n\r\n")
        idle.read(for: 30)
        #expect(idle.text.hasPrefix("HTTP/1.1 200") && idle.closedByServer, "\(idle.text)")

        // A run that waits 6 s, and its log followed as events: the answer lasts as long as the run.
        let workflow = #"{"id": "slow", "name": "slow", "nodes": [{"id": "start", "type": "trigger", "config": {}}, "#
            + #"{"id": "wait", "type": "delay", "config": {"seconds": 6}}], "edges": [{"from": "start", "to": "wait"}]}"#
        #expect(try server.post("/api/v1/workflows", token: admin, body: workflow).status == 201)
        let started = try server.post("/api/v1/workflows/slow/run", token: admin, body: "{}")
        let run = try #require(try JSONSerialization.jsonObject(with: Data(started.body.utf8)) as? [String: Any])
        let id = try #require(run["id"] as? String, "\(started.body)")
        let follower = try RawConnection(port: port)
        follower.send("GET /api/v1/runs/\(id)/logs HTTP/1.1\r\nHost: quarry\r\nAccept: text/event-stream\r\nAuthorization: Bearer \(admin)\r\n\r\n")
        follower.read(for: 60)
        #expect(follower.text.contains("event: end") && follower.text.contains(#""status":"succeeded""#), "\(follower.text)")
    }
}
