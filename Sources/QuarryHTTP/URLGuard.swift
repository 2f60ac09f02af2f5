import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checks a user-supplied URL before Quarry fetches it (server-side request forgery): http or
/// https only, and every address its host resolves to must be public — not loopback, private,
/// link-local (cloud metadata lives at 169.254.169.254), shared, multicast or reserved — unless
/// the operator allows private targets. The caller connects to the returned address, never
/// resolves the name again, so a DNS answer that changes between check and fetch cannot
/// redirect the request (DNS rebinding).
public struct URLGuard: Sendable {
    public let allowPrivate: Bool

    public init(allowPrivate: Bool = false) {
        self.allowPrivate = allowPrivate
    }

    /// A URL cleared for fetching: its host, port and the address to connect to.
    public struct Target: Sendable, Equatable {
        public let url: URL
        public let host: String
        public let port: Int
        /// Numeric, as `getnameinfo` writes it (IPv6 without brackets).
        public let address: String
    }

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case scheme(String)
        case unresolvable(host: String)
        case privateAddress(host: String, address: String)

        public var description: String {
            switch self {
            case .malformed(let url): "'\(url.prefix(200))' is not an absolute http(s) URL"
            case .scheme(let scheme): "scheme '\(scheme)' is not fetched; use http or https"
            case .unresolvable(let host): "host '\(host)' does not resolve"
            case .privateAddress(let host, let address):
                "host '\(host)' resolves to \(address), a private, loopback or link-local address; such URLs are refused unless allow_private_urls is set"
            }
        }
    }

    public func check(_ text: String) throws(Refusal) -> Target {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else { throw .malformed(text) }
        guard scheme == "http" || scheme == "https" else { throw .scheme(scheme) }
        guard var host = url.host, !host.isEmpty else { throw .malformed(text) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let addresses = Self.resolve(host)
        guard let first = addresses.first else { throw .unresolvable(host: host) }
        if !allowPrivate, let refused = addresses.first(where: { !Self.isPublic($0) }) {
            throw .privateAddress(host: host, address: Self.numeric(refused))
        }
        return Target(url: url, host: host, port: port, address: Self.numeric(first))
    }

    /// Every address of `host`, IPv4 as 4 bytes and IPv6 as 16.
    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var result: [[UInt8]] = []
        var node = list
        while let current = node {
            if let address = current.pointee.ai_addr {
                switch Int32(address.pointee.sa_family) {
                case AF_INET:
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                        withUnsafeBytes(of: ipv4.pointee.sin_addr) { result.append(Array($0)) }
                    }
                case AF_INET6:
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                        withUnsafeBytes(of: ipv6.pointee.sin6_addr) { result.append(Array($0)) }
                    }
                default: break
                }
            }
            node = current.pointee.ai_next
        }
        return result
    }

    /// Whether an address is routable on the public internet (RFC 6890's special-purpose
    /// registries): IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 inside.
    public static func isPublic(_ address: [UInt8]) -> Bool {
        if address.count == 4 { return isPublicIPv4(address) }
        guard address.count == 16 else { return false }
        let a = address
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xFF && a[11] == 0xFF { return isPublicIPv4(Array(a[12...])) }  // ::ffff:v4
        if a[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return isPublicIPv4(Array(a[12...])) }  // 64:ff9b::/96
        if a.allSatisfy({ $0 == 0 }) { return false }                              // ::
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return false }         // ::1
        if a[0] & 0xFE == 0xFC { return false }                                     // fc00::/7 unique local
        if a[0] == 0xFE && a[1] & 0xC0 == 0x80 { return false }                     // fe80::/10 link-local
        if a[0] == 0xFE && a[1] & 0xC0 == 0xC0 { return false }                     // fec0::/10 site-local (deprecated)
        if a[0] == 0xFF { return false }                                            // ff00::/8 multicast
        if a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8 { return false }  // 2001:db8::/32 documentation
        if a[0..<12].allSatisfy({ $0 == 0 }) { return false }                       // ::/96 IPv4-compatible (deprecated)
        return true
    }

    static func isPublicIPv4(_ a: [UInt8]) -> Bool {
        switch (a[0], a[1], a[2]) {
        case (0, _, _), (10, _, _), (127, _, _): return false                       // this network, private, loopback
        case (100, 64...127, _): return false                                       // shared address space (CGNAT)
        case (169, 254, _): return false                                            // link-local, cloud metadata
        case (172, 16...31, _), (192, 168, _): return false                         // private
        case (192, 0, 0), (192, 0, 2), (198, 51, 100), (203, 0, 113): return false  // IETF assignments, documentation
        case (198, 18...19, _): return false                                        // benchmarking
        case (224...255, _, _): return false                                        // multicast, reserved, broadcast
        default: return true
        }
    }

    static func numeric(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 4 ? AF_INET : AF_INET6
        _ = address.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
