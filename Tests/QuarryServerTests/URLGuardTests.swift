import QuarryHTTP
import Testing

/// The guard in front of every user-supplied URL: what it refuses and what it lets through.
@Suite("URL guard (SSRF)")
struct URLGuardTests {
    @Test("loopback, private, link-local, shared, multicast and reserved targets are refused", arguments: [
        "http://127.0.0.1/", "http://127.1.2.3:8080/x", "http://localhost/", "http://10.0.0.1/", "http://172.16.5.4/",
        "http://172.31.255.255/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
        "http://0.0.0.0/", "http://224.0.0.1/", "http://255.255.255.255/", "http://[::1]/", "http://[::]/",
        "http://[fe80::1]/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.1.2.3]/",
        "http://[64:ff9b::a9fe:a9fe]/", "http://2130706433/", "http://0x7f000001/",
    ])
    func refused(url: String) {
        #expect {
            try URLGuard().check(url)
        } throws: { error in
            guard case URLGuard.Refusal.privateAddress = error as! URLGuard.Refusal else { return false }
            return "\(error)".contains("allow_private_urls")
        }
    }

    @Test("public addresses pass, and the address to connect to is the one checked")
    func publicTargets() throws {
        let target = try URLGuard().check("https://8.8.8.8/dns-query")
        #expect(target.host == "8.8.8.8" && target.port == 443 && target.address == "8.8.8.8")
        #expect(try URLGuard().check("http://[2606:4700:4700::1111]:8080/").address == "2606:4700:4700::1111")
        #expect(try URLGuard().check("http://[2606:4700:4700::1111]:8080/").port == 8080)
        #expect(URLGuard.isPublic([93, 184, 215, 14]) && URLGuard.isPublic([172, 32, 0, 1]) && URLGuard.isPublic([100, 128, 0, 1]))
    }

    @Test("operators can allow private targets (an intranet wiki)")
    func allowPrivate() throws {
        #expect(try URLGuard(allowPrivate: true).check("http://127.0.0.1:9/").address == "127.0.0.1")
    }

    @Test("other schemes, relative and malformed URLs and unresolvable hosts are refused with a reason", arguments: [
        ("file:///etc/passwd", "scheme 'file'"), ("gopher://127.0.0.1/", "scheme 'gopher'"), ("/relative/path", "not an absolute"),
        ("http://", "not an absolute"), ("http://name.invalid/", "does not resolve"),
    ])
    func malformed(url: String, reason: String) {
        #expect {
            try URLGuard(allowPrivate: true).check(url)
        } throws: { error in "\(error)".contains(reason) }
    }
}
