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

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: Data? = nil, timeout: Duration = .seconds(30)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct HTTPResponse: Sendable {
    public let status: Int
    public let body: Data
}

/// Why a request got no usable answer. Secrets in headers never appear in these messages.
public enum HTTPClientError: Error, Equatable, CustomStringConvertible {
    /// The server could not be reached (refused, unresolvable, TLS failure, timed out).
    case unreachable(url: String, reason: String)
    /// It answered with an error status after any retries.
    case status(url: String, code: Int, body: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): "\(url) is unreachable: \(reason)"
        case .status(let url, let code, let body): "\(url) answered \(code): \(body.prefix(300))"
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
    private let pool = HandlePool()

    public init(retries: Int = 3, initialBackoff: Duration = .milliseconds(100)) {
        _ = Self.globalInit
        self.retries = retries
        self.initialBackoff = initialBackoff
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    public func send(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        var attempt = 0
        while true {
            switch await perform(request) {
            case .success(let response) where response.status == 429 || response.status >= 500:
                if attempt >= retries {
                    throw .status(url: request.url, code: response.status, body: String(decoding: response.body, as: UTF8.self))
                }
            case .success(let response):
                guard response.status < 400 else {
                    throw .status(url: request.url, code: response.status, body: String(decoding: response.body, as: UTF8.self))
                }
                return response
            case .failure(let error):
                if attempt >= retries { throw error }
            }
            // Exponential backoff with full jitter: up to 100 ms, 200 ms, 400 ms, …
            let ceiling = initialBackoff.seconds
            try? await Task.sleep(for: .seconds(Double.random(in: 0...(ceiling * pow(2, Double(attempt))))))
            attempt += 1
        }
    }

    private func perform(_ request: HTTPRequest) async -> Result<HTTPResponse, HTTPClientError> {
        await withCheckedContinuation { continuation in
            let pool = self.pool
            Thread {
                let handle = pool.take()
                let result = Transfer.run(request, on: handle)
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

/// One blocking libcurl transfer.
private enum Transfer {
    final class Sink {
        var data = Data()
    }

    static func run(_ request: HTTPRequest, on handle: UnsafeMutableRawPointer) -> Result<HTTPResponse, HTTPClientError> {
        curl_easy_reset(handle)
        let sink = Sink()
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        for (name, value) in request.headers { headers = curl_slist_append(headers, "\(name): \(value)") }

        quarry_curl_set_string(handle, CURLOPT_URL, request.url)
        quarry_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        quarry_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        let milliseconds = Int(request.timeout.components.seconds * 1000) + Int(request.timeout.components.attoseconds / 1_000_000_000_000_000)
        quarry_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
        quarry_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000))
        quarry_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        if let headers { quarry_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headers) }
        quarry_curl_set_write_function(handle) { pointer, size, count, context in
            guard let pointer, let context else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            sink.data.append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: size * count)
            return size * count
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
        guard code == CURLE_OK else {
            return .failure(.unreachable(url: request.url, reason: String(cString: curl_easy_strerror(code))))
        }
        var status = 0
        quarry_curl_get_response_code(handle, &status)
        return .success(HTTPResponse(status: status, body: sink.data))
    }
}
