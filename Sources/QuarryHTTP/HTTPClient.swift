import CCurl
import CCurlShims
import Foundation
import QuarryCore

/// A request for ``HTTPClient``.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?
    /// The whole exchange, connecting included.
    public var timeout: Duration
    /// Addresses to connect to instead of resolving, as `host:port:address` (libcurl's
    /// CURLOPT_RESOLVE): how a URL checked by ``URLGuard`` is fetched from the address checked.
    public var resolve: [String]
    /// A longer body ends the transfer with ``HTTPClientError/tooLarge(url:limit:)``.
    public var maximumBytes: Int?

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: Data? = nil, timeout: Duration = .seconds(30),
                resolve: [String] = [], maximumBytes: Int? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.resolve = resolve
        self.maximumBytes = maximumBytes
    }
}

public struct HTTPResponse: Sendable {
    public let status: Int
    public let body: Data
    /// The `Content-Type` header, when there is one.
    public let contentType: String?
    /// Where a 3xx points, made absolute (redirects are never followed by the client itself).
    public let redirectURL: String?
    /// How long the answer's `Retry-After` asks to wait; nil when it asks for no wait.
    public var retryAfter: Duration? = nil
}

/// Why a request got no usable answer. Secrets in headers never appear in these messages.
public enum HTTPClientError: Error, Equatable, CustomStringConvertible {
    /// The server could not be reached (refused, unresolvable, TLS failure, timed out).
    case unreachable(url: String, reason: String)
    /// No connection was made (unresolvable name, connection refused, TLS handshake failed), so
    /// nothing of the request was sent: unlike a timeout, which may come after the server acted.
    case notConnected(url: String, reason: String)
    /// It answered with an error status after any retries.
    case status(url: String, code: Int, body: String)
    /// The body grew past the request's `maximumBytes`.
    case tooLarge(url: String, limit: Int)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason), .notConnected(let url, let reason): "\(url) is unreachable: \(reason)"
        case .status(let url, let code, let body): "\(url) answered \(code): \(body.prefix(300))"
        case .tooLarge(let url, let limit): "\(url) sends more than \(limit) bytes"
        }
    }
}

/// A libcurl client shared by the adapters: connections kept alive and reused between requests
/// (a small pool of easy handles), timeouts, and retries with exponential backoff and jitter on
/// connection failures, 429 and 5xx. Each transfer runs on a thread of its own, never on Swift's
/// cooperative pool.
public final class HTTPClient: Sendable {
    public let retries: Int
    public let initialBackoff: Duration
    /// A PEM bundle of the certificate authorities HTTPS trusts instead of the system's (a
    /// private CA); nil for the system's.
    public let caFile: String?
    private let pool = HandlePool()

    public init(retries: Int = 3, initialBackoff: Duration = .milliseconds(100), caFile: String? = nil) {
        _ = Self.globalInit
        self.retries = retries
        self.initialBackoff = initialBackoff
        self.caFile = caFile
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// Statuses worth asking again: rate limited or a server error.
    public static func retryable(_ status: Int) -> Bool { status == 429 || status >= 500 }

    /// Exponential backoff with full jitter before retry `attempt` (from 0): up to 100 ms, 200 ms, 400 ms, …
    func backoff(before attempt: Int) -> Double {
        Double.random(in: 0...(initialBackoff.seconds * pow(2, Double(attempt))))
    }

    public func send(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        var attempt = 0
        while true {
            switch await perform(request) {
            case .success(let response) where Self.retryable(response.status):
                if attempt >= retries {
                    throw .status(url: request.url, code: response.status, body: String(decoding: response.body, as: UTF8.self))
                }
            case .success(let response):
                guard response.status < 400 else {
                    throw .status(url: request.url, code: response.status, body: String(decoding: response.body, as: UTF8.self))
                }
                return response
            case .failure(let error):
                if case .tooLarge = error { throw error }
                if attempt >= retries { throw error }
            }
            try? await Task.sleep(for: .seconds(backoff(before: attempt)))
            attempt += 1
        }
    }

    /// One exchange, whatever its status, never retried: for a caller that reads the provider's
    /// own answer to an error (its message, its `Retry-After`) and decides itself.
    public func exchange(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        try await perform(request).get()
    }

    /// Streams a response body as it arrives (server-sent events). Connection failures, 429 and
    /// 5xx are retried as by ``send(_:)`` as long as nothing has been delivered; an error status
    /// ends the stream with ``HTTPClientError/status(url:code:body:)``. Ending the consumer's
    /// iteration aborts the transfer.
    public func stream(_ request: HTTPRequest) -> AsyncThrowingStream<Data, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        let stop = StopFlag()
        continuation.onTermination = { _ in stop.raise() }
        let (pool, retries) = (self.pool, self.retries)
        Thread { [self] in
            var delivered = false
            var attempt = 0
            while true {
                let handle = pool.take()
                let result = Transfer.run(request, caFile: caFile, on: handle, stop: stop) { data in
                    delivered = true
                    continuation.yield(data)
                }
                pool.give(handle)
                switch result {
                case .success(let response) where response.status >= 400:
                    if !Self.retryable(response.status) || delivered || attempt >= retries {
                        let body = String(decoding: response.body, as: UTF8.self)
                        continuation.finish(throwing: HTTPClientError.status(url: request.url, code: response.status, body: body))
                        return
                    }
                case .success:
                    continuation.finish()
                    return
                case .failure(let error):
                    if case .tooLarge = error { continuation.finish(throwing: error); return }
                    if delivered || attempt >= retries || stop.raised {
                        continuation.finish(throwing: stop.raised ? CancellationError() : error)
                        return
                    }
                }
                Thread.sleep(forTimeInterval: backoff(before: attempt))
                attempt += 1
            }
        }.start()
        return stream
    }

    private func perform(_ request: HTTPRequest) async -> Result<HTTPResponse, HTTPClientError> {
        await withCheckedContinuation { continuation in
            let (pool, caFile) = (self.pool, self.caFile)
            Thread {
                let handle = pool.take()
                let result = Transfer.run(request, caFile: caFile, on: handle, stop: nil, deliver: nil)
                pool.give(handle)
                continuation.resume(returning: result)
            }.start()
        }
    }
}

/// Easy handles kept between requests, so their connections are reused.
private final class HandlePool: @unchecked Sendable {
    private let lock = NSLock()
    private var handles: [UnsafeMutableRawPointer] = []

    func take() -> UnsafeMutableRawPointer {
        lock.withLock { handles.popLast() } ?? curl_easy_init()
    }

    func give(_ handle: UnsafeMutableRawPointer) {
        lock.withLock {
            if handles.count < 8 { handles.append(handle) } else { curl_easy_cleanup(handle) }
        }
    }

    deinit {
        for handle in handles { curl_easy_cleanup(handle) }
    }
}

/// Set once by a stream's consumer going away; read by the transfer's write callback.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var raised: Bool { lock.withLock { value } }
    func raise() { lock.withLock { value = true } }
}

/// One blocking libcurl transfer.
private enum Transfer {
    /// Failures that come before any byte of the request could leave.
    static let neverConnected: [CURLcode] = [
        CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_SSL_CONNECT_ERROR,
        CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
    ]

    /// Where the body goes: collected, or — for a stream whose status is below 400 — handed to
    /// `deliver` piece by piece as it arrives.
    final class Sink {
        let handle: UnsafeMutableRawPointer
        let stop: StopFlag?
        let deliver: ((Data) -> Void)?
        let maximumBytes: Int?
        var data = Data()
        var received = 0
        var tooLarge = false

        init(handle: UnsafeMutableRawPointer, stop: StopFlag?, deliver: ((Data) -> Void)?, maximumBytes: Int?) {
            self.handle = handle
            self.stop = stop
            self.deliver = deliver
            self.maximumBytes = maximumBytes
        }

        /// Takes one piece; false aborts the transfer.
        func take(_ bytes: UnsafeRawBufferPointer) -> Bool {
            if stop?.raised == true { return false }
            received += bytes.count
            if let maximumBytes, received > maximumBytes {
                tooLarge = true
                return false
            }
            var status = 0
            quarry_curl_get_response_code(handle, &status)
            if let deliver, status < 400 {
                deliver(Data(bytes))
            } else {
                data.append(contentsOf: bytes)
            }
            return true
        }
    }

    static func run(
        _ request: HTTPRequest, caFile: String?, on handle: UnsafeMutableRawPointer, stop: StopFlag?, deliver: ((Data) -> Void)?
    ) -> Result<HTTPResponse, HTTPClientError> {
        curl_easy_reset(handle)
        let sink = Sink(handle: handle, stop: stop, deliver: deliver, maximumBytes: request.maximumBytes)
        var headers: UnsafeMutablePointer<curl_slist>?
        var resolve: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_slist_free_all(headers)
            curl_slist_free_all(resolve)
        }
        for (name, value) in request.headers { headers = curl_slist_append(headers, "\(name): \(value)") }
        // libcurl asks "Expect: 100-continue" before bodies over 1 kB and waits for the answer: a
        // round trip per request that an API client never needs.
        if request.body != nil { headers = curl_slist_append(headers, "Expect:") }
        for entry in request.resolve { resolve = curl_slist_append(resolve, entry) }

        quarry_curl_set_string(handle, CURLOPT_URL, request.url)
        quarry_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        if let resolve { quarry_curl_set_pointer(handle, CURLOPT_RESOLVE, resolve) }
        quarry_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        quarry_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        if let caFile { quarry_curl_set_string(handle, CURLOPT_CAINFO, caFile) }
        let milliseconds = Int(request.timeout.components.seconds * 1000) + Int(request.timeout.components.attoseconds / 1_000_000_000_000_000)
        quarry_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
        quarry_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000))
        quarry_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        if let headers { quarry_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headers) }
        quarry_curl_set_write_function(handle) { pointer, size, count, context in
            guard let pointer, let context else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            return sink.take(UnsafeRawBufferPointer(start: pointer, count: size * count)) ? size * count : 0
        }
        quarry_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())

        let code: CURLcode = if let body = request.body {
            body.withUnsafeBytes { bytes in
                quarry_curl_set_long(handle, CURLOPT_POSTFIELDSIZE, bytes.count)
                quarry_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
                return curl_easy_perform(handle)
            }
        } else {
            curl_easy_perform(handle)
        }
        if sink.tooLarge { return .failure(.tooLarge(url: request.url, limit: request.maximumBytes ?? 0)) }
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            return .failure(neverConnected.contains(code) ? .notConnected(url: request.url, reason: reason) : .unreachable(url: request.url, reason: reason))
        }
        var status = 0
        quarry_curl_get_response_code(handle, &status)
        let retryAfter = quarry_curl_get_retry_after(handle)
        return .success(HTTPResponse(
            status: status, body: sink.data, contentType: quarry_curl_get_content_type(handle).map { String(cString: $0) },
            redirectURL: quarry_curl_get_redirect_url(handle).map { String(cString: $0) },
            retryAfter: retryAfter > 0 ? .seconds(retryAfter) : nil
        ))
    }
}
