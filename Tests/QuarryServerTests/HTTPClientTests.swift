import Foundation
import Hummingbird
import HummingbirdTesting
import QuarryHTTP
import QuarryTestSupport
import Synchronization
import Testing

/// The libcurl client against a live Hummingbird server that misbehaves on purpose.
@Suite("HTTP client: retries, statuses, bodies")
struct HTTPClientTests {
    final class Counter: Sendable {
        let value = Mutex(0)
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
    }

    static func application(failures: Int, status: HTTPResponse.Status, counter: Counter) -> some ApplicationProtocol {
        let router = Router()
        router.post("/flaky") { request, _ -> Response in
            let attempt = counter.next()
            if attempt <= failures { return Response(status: status) }
            let body = try await request.body.collect(upTo: 1 << 20)
            return Response(status: .ok, body: .init(byteBuffer: body))
        }
        return Application(router: router)
    }

    @Test("503 and 429 are retried with backoff until the server answers", arguments: [HTTPResponse.Status.serviceUnavailable, .tooManyRequests])
    func retries(status: HTTPResponse.Status) async throws {
        let counter = Counter()
        try await Self.application(failures: 2, status: status, counter: counter).test(.live) { client in
            let port = try #require(client.port)
            let http = QuarryHTTP.HTTPClient(retries: 3, initialBackoff: .milliseconds(5))
            let response = try await http.send(.init(method: "POST", url: "http://127.0.0.1:\(port)/flaky", body: Data("echo me".utf8)))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "echo me")
            #expect(counter.value.withLock { $0 } == 3)
        }
    }

    @Test("a server that keeps failing gives the status after the retries")
    func givesUp() async throws {
        let counter = Counter()
        try await Self.application(failures: 100, status: .badGateway, counter: counter).test(.live) { client in
            let port = try #require(client.port)
            let http = QuarryHTTP.HTTPClient(retries: 2, initialBackoff: .milliseconds(5))
            await #expect { try await http.send(.init(method: "POST", url: "http://127.0.0.1:\(port)/flaky")) } throws: { error in
                guard case .status(_, 502, _) = error as? HTTPClientError else { return false }
                return true
            }
            #expect(counter.value.withLock { $0 } == 3)
        }
    }

    @Test("client errors are not retried")
    func noRetryOn4xx() async throws {
        let counter = Counter()
        try await Self.application(failures: 100, status: .badRequest, counter: counter).test(.live) { client in
            let port = try #require(client.port)
            let http = QuarryHTTP.HTTPClient(retries: 3, initialBackoff: .milliseconds(5))
            await #expect(throws: HTTPClientError.self) { try await http.send(.init(method: "POST", url: "http://127.0.0.1:\(port)/flaky")) }
            #expect(counter.value.withLock { $0 } == 1)
        }
    }
}
