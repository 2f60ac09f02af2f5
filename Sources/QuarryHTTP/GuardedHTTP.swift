import Foundation
import QuarryCore

/// ``OutboundHTTP`` on libcurl: the URL is checked by ``URLGuard`` (private and loopback
/// addresses refused unless allowed) and fetched from the address checked, so a name cannot
/// resolve elsewhere between check and connect; no redirect followed, nothing retried here:
/// every answer is handed back whatever its status, for the caller to read and decide.
public struct GuardedHTTP: OutboundHTTP {
    let urlGuard: URLGuard
    let client: HTTPClient

    public init(urlGuard: URLGuard, client: HTTPClient = HTTPClient(retries: 0)) {
        self.urlGuard = urlGuard
        self.client = client
    }

    public func send(_ request: OutboundRequest) async throws(OutboundHTTPError) -> OutboundResponse {
        let target: URLGuard.Target
        do { target = try urlGuard.check(request.url) } catch { throw .refused(error.description) }
        let address = target.address.contains(":") ? "[\(target.address)]" : target.address
        let outgoing = HTTPRequest(method: request.method, url: target.url.absoluteString, headers: request.headers, body: request.body,
                                   timeout: request.timeout, resolve: ["\(target.host):\(target.port):\(address)"], maximumBytes: request.maximumBytes)
        do {
            let response = try await client.exchange(outgoing)
            return OutboundResponse(status: response.status, contentType: response.contentType, body: response.body, retryAfter: response.retryAfter)
        } catch {
            switch error {
            case .unreachable(_, let reason): throw .unreachable(reason)
            case .notConnected(_, let reason): throw .notConnected(reason)
            // Never thrown by an exchange, which hands back every status.
            case .status(_, let code, let body): return OutboundResponse(status: code, contentType: nil, body: Data(body.utf8))
            case .tooLarge(_, let limit): throw .tooLarge(limit: limit)
            }
        }
    }
}
