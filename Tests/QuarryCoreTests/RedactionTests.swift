import Foundation
import QuarryCore
import Testing

@Suite("Redaction")
struct RedactionTests {
    @Test("credentials, secret query values and tokens of known shapes become [redacted]; the words around them stay")
    func text() {
        let cases: [(String, String)] = [
            ("Authorization: Bearer abcdEFGH1234.xyz", "Authorization: Bearer [redacted]"),
            ("sent Basic dXNlcjpwYXNzd29yZA== to it", "sent Basic [redacted] to it"),
            ("GET https://ada:hunter2@example.com/x failed", "GET https://[redacted]@example.com/x failed"),
            ("https://api.example.com/v1?q=tides&api_key=s3cr3t&page=2", "https://api.example.com/v1?q=tides&api_key=[redacted]&page=2"),
            ("hook https://example.com/h?access_token=abc#top", "hook https://example.com/h?access_token=[redacted]#top"),
            ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlX2hlcmU end", "token [redacted] end"),
            ("key sk-proj_ABCDEFGHIJKLMNOPQRST and xoxb-1234567890-abcdef", "key [redacted] and [redacted]"),
            ("ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 AKIAABCDEFGHIJKLMNOP", "[redacted] [redacted]"),
            ("the bearer of bad news; a basic plan; skip-this; keys=3", "the bearer of bad news; a basic plan; skip-this; keys=3"),
        ]
        for (given, expected) in cases { #expect(Redaction.redact(given) == expected, "\(given)") }
    }

    @Test("a key that names a secret has its whole value redacted, nested or not; max_tokens and the like are kept")
    func keys() {
        let value: JSONValue = .object([
            "headers": .object(["Authorization": .string("anything"), "X-Api-Key": .string("k"), "Accept": .string("application/json")]),
            "password": .object(["nested": .int(1)]), "clientSecret": .string("c"), "max_tokens": .int(24), "tokens_used": .int(3),
            "note": .string("Bearer abcdefgh12345678"), "list": .array([.object(["refresh_token": .string("r")])]),
        ])
        #expect(Redaction.redact(value) == .object([
            "headers": .object(["Authorization": .string("[redacted]"), "X-Api-Key": .string("[redacted]"), "Accept": .string("application/json")]),
            "password": .string("[redacted]"), "clientSecret": .string("[redacted]"), "max_tokens": .int(24), "tokens_used": .int(3),
            "note": .string("Bearer [redacted]"), "list": .array([.object(["refresh_token": .string("[redacted]")])]),
        ]))
        for key in ["session_id", "private_key", "AWS_ACCESS_KEY", "cookie", "x-signature"] { #expect(Redaction.namesSecret(key), "\(key)") }
        for key in ["max_tokens", "keyword", "monkey", "author", "passage", "key_points"] { #expect(!Redaction.namesSecret(key), "\(key)") }
    }
}
