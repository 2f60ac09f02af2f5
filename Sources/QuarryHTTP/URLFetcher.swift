import Foundation

/// Fetches a user-supplied URL for ingest: every hop checked by ``URLGuard`` and connected to the
/// address that was checked; redirects followed by hand (at most `maximumRedirects`), each one
/// checked again, so a public URL cannot bounce the fetch to a private one; the body capped at
/// `maximumBytes`.
public struct URLFetcher: Sendable {
    public struct Fetched: Sendable, Equatable {
        /// Where the body finally came from, after redirects.
        public let url: URL
        public let data: Data
        /// The `Content-Type` without parameters, lower-cased (`text/html`), when sent.
        public let mediaType: String?
    }

    public enum FetchError: Error, Equatable, CustomStringConvertible {
        case refused(URLGuard.Refusal)
        case tooLarge(limit: Int)
        case tooManyRedirects(Int)
        case failed(HTTPClientError)

        public var description: String {
            switch self {
            case .refused(let refusal): "the URL is refused: \(refusal)"
            case .tooLarge(let limit): "the document is larger than \(limit / 1_048_576) MB"
            case .tooManyRedirects(let count): "more than \(count) redirects"
            case .failed(let error): "the fetch failed: \(error)"
            }
        }
    }

    public let urlGuard: URLGuard
    public let maximumBytes: Int
    public let maximumRedirects: Int
    public let timeout: Duration
    private let client: HTTPClient

    public init(urlGuard: URLGuard = URLGuard(), maximumBytes: Int, maximumRedirects: Int = 5, timeout: Duration = .seconds(60),
                client: HTTPClient = HTTPClient(retries: 1)) {
        self.urlGuard = urlGuard
        self.maximumBytes = maximumBytes
        self.maximumRedirects = maximumRedirects
        self.timeout = timeout
        self.client = client
    }

    public func fetch(_ url: String) async throws(FetchError) -> Fetched {
        var next = url
        for _ in 0...maximumRedirects {
            let target: URLGuard.Target
            do { target = try urlGuard.check(next) } catch { throw .refused(error) }
            let address = target.address.contains(":") ? "[\(target.address)]" : target.address
            let request = HTTPRequest(url: target.url.absoluteString, headers: [("Accept", "application/pdf, text/html;q=0.9, text/plain;q=0.5")],
                                      timeout: timeout, resolve: ["\(target.host):\(target.port):\(address)"], maximumBytes: maximumBytes)
            let response: HTTPResponse
            do {
                response = try await client.send(request)
            } catch {
                if case .tooLarge = error { throw .tooLarge(limit: maximumBytes) }
                throw .failed(error)
            }
            if (300..<400).contains(response.status) {
                guard let location = response.redirectURL else {
                    throw .failed(.status(url: next, code: response.status, body: "a redirect without a Location"))
                }
                next = location
                continue
            }
            let mediaType = response.contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return Fetched(url: target.url, data: response.body, mediaType: mediaType)
        }
        throw .tooManyRedirects(maximumRedirects)
    }
}
