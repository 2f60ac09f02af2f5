import CCurl
import CCurlShims
import Foundation
import QuarryCore

/// ``MailTransport`` on libcurl's SMTP (this module holds every libcurl client): STARTTLS that
/// must succeed, or TLS from the start; AUTH when the server has a user; the message streamed
/// from memory (libcurl dot-stuffs it). Each message is one transfer on a thread of its own.
///
/// The server's host goes through the ``URLGuard`` as a URL does (a tenant's credential must
/// not reach the operator's private network unless allowed), and the address checked is the
/// one connected to.
public struct SMTPTransport: MailTransport {
    let urlGuard: URLGuard
    /// A PEM bundle of the certificate authorities trusted instead of the system's.
    let caFile: String?
    /// The name said in EHLO.
    let helo: String

    public init(urlGuard: URLGuard, caFile: String? = nil, helo: String = "quarry.localhost") {
        _ = HTTPClient(retries: 0)  // curl_global_init, once
        self.urlGuard = urlGuard
        self.caFile = caFile
        self.helo = helo
    }

    public func send(_ mail: OutboundMail) async throws(MailFailure) {
        let host = mail.server.host.contains(":") ? "[\(mail.server.host)]" : mail.server.host
        let target: URLGuard.Target
        do { target = try urlGuard.check("https://\(host):\(mail.server.port)/") } catch { throw .refused(code: 0, reason: error.description) }
        let (caFile, helo) = (self.caFile, self.helo)
        let result: Result<Void, MailFailure> = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Self.transfer(mail, to: target, caFile: caFile, helo: helo)) }.start()
        }
        try result.get()
    }

    /// The message being read by libcurl.
    final class Source {
        let data: Data
        var offset = 0
        init(_ data: Data) { self.data = data }
    }

    static func transfer(_ mail: OutboundMail, to target: URLGuard.Target, caFile: String?, helo: String) -> Result<Void, MailFailure> {
        guard let handle = curl_easy_init() else { return .failure(.notConnected("libcurl could not start")) }
        defer { curl_easy_cleanup(handle) }
        let server = mail.server
        let scheme = server.security == .tls ? "smtps" : "smtp"
        let host = server.host.contains(":") ? "[\(server.host)]" : server.host
        quarry_curl_set_string(handle, CURLOPT_URL, "\(scheme)://\(host):\(server.port)/\(helo)")
        quarry_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        let address = target.address.contains(":") ? "[\(target.address)]" : target.address
        let resolve = curl_slist_append(nil, "\(target.host):\(target.port):\(address)")
        defer { curl_slist_free_all(resolve) }
        quarry_curl_set_pointer(handle, CURLOPT_RESOLVE, resolve)
        quarry_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        if server.security == .starttls { quarry_curl_set_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let caFile { quarry_curl_set_string(handle, CURLOPT_CAINFO, caFile) }
        if let user = server.username { quarry_curl_set_string(handle, CURLOPT_USERNAME, user) }
        if let password = server.password { quarry_curl_set_string(handle, CURLOPT_PASSWORD, password) }
        quarry_curl_set_string(handle, CURLOPT_MAIL_FROM, "<\(mail.from)>")
        var recipients: UnsafeMutablePointer<curl_slist>?
        for recipient in mail.recipients { recipients = curl_slist_append(recipients, "<\(recipient)>") }
        defer { curl_slist_free_all(recipients) }
        quarry_curl_set_pointer(handle, CURLOPT_MAIL_RCPT, recipients)
        let milliseconds = Int(mail.timeout.components.seconds * 1000) + Int(mail.timeout.components.attoseconds / 1_000_000_000_000_000)
        quarry_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
        quarry_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000))
        quarry_curl_set_long(handle, CURLOPT_UPLOAD, 1)
        let source = Source(mail.message)
        quarry_curl_set_read_function(handle) { buffer, size, count, context in
            guard let buffer, let context else { return 0 }
            let source = Unmanaged<Source>.fromOpaque(context).takeUnretainedValue()
            let length = min(size * count, source.data.count - source.offset)
            source.data.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { memcpy(buffer, base + source.offset, length) }
            }
            source.offset += length
            return length
        }
        let code = withExtendedLifetime(source) {
            quarry_curl_set_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(source).toOpaque())
            return curl_easy_perform(handle)
        }
        guard code != CURLE_OK else { return .success(()) }
        var reply = 0
        quarry_curl_get_response_code(handle, &reply)
        let reason = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED,
             CURLE_SSL_CACERT_BADFILE:
            return .failure(.notConnected(reason))
        case CURLE_LOGIN_DENIED:
            return .failure(.refused(code: reply == 0 ? 535 : reply, reason: "the server refused the login"))
        default:
            if (400..<500).contains(reply) { return .failure(.deferred(code: reply, reason: reason)) }
            if reply >= 500 { return .failure(.refused(code: reply, reason: reason)) }
            return .failure(.noAnswer(reason))
        }
    }
}
