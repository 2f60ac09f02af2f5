import Foundation
import QuarryCore

/// A secret kept in a file of the data directory: read when it is there, else 32 random bytes
/// written into it as hex with mode 0600 (`O_EXCL`: when two processes start at once, exactly one
/// creates it and both use it). What the JWT secret and the credential key come from when unset.
enum SecretFile {
    /// The file's secret, and whether this call created it; `fail` makes the error for a reason.
    static func resolve(_ path: String, fail: (String) -> ConfigurationError) throws(ConfigurationError) -> (value: String, created: Bool) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd >= 0 {
            defer { close(fd) }
            var generator = SystemRandomNumberGenerator()
            let secret = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let bytes = Array((secret + "\n").utf8)
            guard fchmod(fd, 0o600) == 0, write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(path)
                throw fail("cannot write the generated secret: \(reason)")
            }
            return (secret, true)
        }
        guard errno == EEXIST else { throw fail("cannot create the secret file: \(String(cString: strerror(errno)))") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail("cannot read the secret file") }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else { throw fail("the secret file is empty; delete it to generate a new secret") }
        return (secret, false)
    }
}
