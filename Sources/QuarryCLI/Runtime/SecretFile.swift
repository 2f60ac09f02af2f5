import Foundation
import QuarryCore

/// A secret kept in a file: read when it is there, else 32 random bytes written into it as hex
/// with mode 0600. What the JWT secret and the credential keys come from when no setting gives them.
///
/// A new secret is written whole into a file of its own, then linked into place:
/// `link` fails when another process got there first (both then use its secret), and a reader
/// never sees a file half written.
enum SecretFile {
    /// The file's secret, and whether this call created it; `fail` makes the error for a reason.
    static func resolve(_ path: String, fail: (String) -> ConfigurationError) throws(ConfigurationError) -> (value: String, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try read(path, fail: fail), false) }
        var generator = SystemRandomNumberGenerator()
        let secret = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let temporary = try writeBeside(path, secret, fail: fail)
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return (secret, true) }
        guard errno == EEXIST else { throw fail("cannot create the secret file: \(String(cString: strerror(errno)))") }
        return (try read(path, fail: fail), false)
    }

    /// Writes `text` and a newline, mode 0600 and synced, into a file of this call's own beside
    /// `path`; its path, for the caller to link or rename into place. Named for the process and
    /// the call: two threads of one process that shared a name wrote into each other's file.
    static func writeBeside(_ path: String, _ text: String, fail: (String) -> ConfigurationError) throws(ConfigurationError) -> String {
        let temporary = path + ".\(getpid()).\(UUID().uuidString.prefix(8)).new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw fail("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array((text + "\n").utf8)
        let written = fchmod(fd, 0o600) == 0 && write(fd, bytes, bytes.count) == bytes.count && fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        close(fd)
        guard written else {
            unlink(temporary)
            throw fail("cannot write \(temporary): \(reason)")
        }
        return temporary
    }

    private static func read(_ path: String, fail: (String) -> ConfigurationError) throws(ConfigurationError) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail("cannot read the secret file") }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw fail("the secret file is empty; delete it to generate a new secret") }
        return secret
    }
}
