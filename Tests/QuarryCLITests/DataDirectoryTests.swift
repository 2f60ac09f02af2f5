import Foundation
import Synchronization
@testable import QuarryCLI
import Testing

@Suite("Data directory and signing secret")
struct DataDirectoryTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("quarry-data-\(UUID().uuidString)").path
    }

    @Test("a missing directory is created with mode 0700")
    func creates() throws {
        let path = Self.temporaryPath() + "/nested/data"
        let directory = try DataDirectory.prepare(path)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }

    @Test("a path that is a file is refused with the reason")
    func fileIsNotADirectory() throws {
        let path = Self.temporaryPath()
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConfigurationError(key: "data", origin: path, reason: "exists and is not a directory")) {
            try DataDirectory.prepare(path)
        }
    }

    @Test("a directory under a file cannot be created and says why")
    func cannotCreate() throws {
        let file = Self.temporaryPath()
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        #expect {
            try DataDirectory.prepare(file + "/data")
        } throws: { error in
            (error as? ConfigurationError)?.reason.hasPrefix("cannot create the directory") == true
        }
    }

    @Test("the generated secret is written once with mode 0600 and reused")
    func generatedSecret() throws {
        let directory = try DataDirectory.prepare(Self.temporaryPath())
        let first = try SigningSecret.resolve(configured: nil, in: directory)
        #expect(first.wasCreated)
        #expect(first.value.utf8.count >= 32)
        let file = directory.path + "/" + SigningSecret.fileName
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) == 0o600)
        let second = try SigningSecret.resolve(configured: nil, in: directory)
        #expect(!second.wasCreated)
        #expect(second.value == first.value)
    }

    @Test("a configured secret wins and writes no file")
    func configuredSecret() throws {
        let directory = try DataDirectory.prepare(Self.temporaryPath())
        let secret = try SigningSecret.resolve(configured: String(repeating: "k", count: 40), in: directory)
        #expect(!secret.wasCreated)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/" + SigningSecret.fileName))
    }

    @Test("an empty secret file is refused")
    func emptySecretFile() throws {
        let directory = try DataDirectory.prepare(Self.temporaryPath())
        try Data().write(to: URL(fileURLWithPath: directory.path + "/" + SigningSecret.fileName))
        #expect(throws: ConfigurationError.self) { try SigningSecret.resolve(configured: nil, in: directory) }
    }

    @Test("processes that start at once make one secret between them: one creates it, every other reads it whole")
    func secretMadeOnce() throws {
        let path = try DataDirectory.prepare(Self.temporaryPath()).path + "/secret"
        let results = Mutex<[(String, Bool)]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let result = try? SecretFile.resolve(path) { ConfigurationError(key: "test", origin: path, reason: $0) }
            results.withLock { $0.append(result.map { ($0.value, $0.created) } ?? ("failed", false)) }
        }
        let all = results.withLock { $0 }
        #expect(Set(all.map(\.0)).count == 1 && all.first?.0 != "failed", "\(all)")
        #expect(all.filter(\.1).count == 1, "exactly one made it")
    }
}
