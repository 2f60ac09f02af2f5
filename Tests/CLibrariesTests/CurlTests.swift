import CCurl
import Testing

@Suite("libcurl")
struct CurlTests {
    @Test("reports its version and parses a URL")
    func versionAndURL() throws {
        let info = try #require(quarry_curl_version_info())
        #expect(info.pointee.features & CURL_VERSION_SSL != 0, "libcurl must be built with TLS")
        let url = try #require(curl_url())
        defer { curl_url_cleanup(url) }
        #expect(curl_url_set(url, CURLUPART_URL, "https://example.org:8443/a/b?q=1", 0) == CURLUE_OK)
        var port: UnsafeMutablePointer<CChar>?
        #expect(curl_url_get(url, CURLUPART_PORT, &port, 0) == CURLUE_OK)
        defer { curl_free(port) }
        #expect(String(cString: try #require(port)) == "8443")
    }
}
