import Foundation

/// Takes secrets out of what a run's log and errors keep (Docs/WORKFLOWS.md): values under keys
/// that name a secret (`authorization`, `api_key`, `password`, `token`, …), bearer and basic
/// credentials, a URL's user and password and its secret-looking query values, and tokens of
/// well-known shapes (JWTs, `sk-…`, Slack's `xox…-`, GitHub's `ghp_…`, AWS access keys). Each is
/// replaced by `[redacted]`. Best effort by nature: a node should not log a secret at all; this
/// is the net under it.
public enum Redaction {
    public static let mark = "[redacted]"

    /// `value` with every string redacted, and the whole value of any key that names a secret.
    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(redact(text))
        case .array(let items): .array(items.map(redact))
        case .object(let fields):
            .object(Dictionary(uniqueKeysWithValues: fields.map { key, field in (key, namesSecret(key) ? .string(mark) : redact(field)) }))
        default: value
        }
    }

    /// `text` with each of `secrets` (a credential's values, known to the node that used them)
    /// replaced wherever it appears, whatever its shape; values under 4 characters are left, as
    /// they would blot out ordinary text.
    public static func redact(_ text: String, secrets: [String]) -> String {
        var text = text
        for secret in secrets where secret.count >= 4 { text = text.replacingOccurrences(of: secret, with: mark) }
        return text
    }

    /// `value` with each of `secrets` replaced in every string (and key) it holds.
    public static func redact(_ value: JSONValue, secrets: [String]) -> JSONValue {
        guard !secrets.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(redact(text, secrets: secrets))
        case .array(let items): return .array(items.map { redact($0, secrets: secrets) })
        case .object(let fields):
            return .object(Dictionary(fields.map { (redact($0.key, secrets: secrets), redact($0.value, secrets: secrets)) }, uniquingKeysWith: { first, _ in first }))
        default: return value
        }
    }

    /// `text` with credentials and tokens of known shapes replaced.
    public static func redact(_ text: String) -> String {
        var text = text
        for (pattern, template) in patterns {
            text = pattern.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
        }
        return text
    }

    /// Whether a key's value is a secret: one of its words (split at `_`, `-`, `.`, spaces and
    /// case changes) is one that names secrets. `max_tokens` is not (`tokens`), `x-api-key` is.
    public static func namesSecret(_ key: String) -> Bool {
        var words: [String] = []
        var current = ""
        for character in key {
            if character.isLetter || character.isNumber {
                if character.isUppercase, current.last?.isLowercase == true { words.append(current); current = "" }
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        let lowered = words.map { $0.lowercased() }
        if lowered.contains(where: secretWords.contains) { return true }
        let joined = lowered.joined(separator: "_")
        return secretPhrases.contains { joined.hasSuffix($0) }
    }

    static let secretWords: Set<String> = ["authorization", "password", "passwd", "secret", "token", "apikey", "cookie", "signature", "credentials"]
    static let secretPhrases = ["api_key", "private_key", "access_key", "session_id"]

    static let patterns: [(NSRegularExpression, String)] = [
        // Authorization: Bearer …, Basic …
        (#"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"#, "$1 \(mark)"),
        // scheme://user:password@host
        (#"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"#, "$1\(mark)@"),
        // ?token=…&api_key=… and the like, in URLs and forms
        (#"(?i)([?&;](?:[a-z0-9_.-]*(?:token|key|secret|password|passwd|signature|sig|auth)[a-z0-9_.-]*)=)[^&#\s"']+"#, "$1\(mark)"),
        // JWTs
        (#"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"#, mark),
        // API keys of known shapes
        (#"\b(?:sk-[A-Za-z0-9_-]{16,}|xox[abposr]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|AC[0-9a-f]{32}|SK[0-9a-f]{32})\b"#, mark),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }
}
