import Foundation
@testable import QuarryCLI
import QuarryCore
import QuarryEmbedded
import QuarryWorkflow
import Testing

@Suite("The credential key file, and rotating it with nothing stopped")
struct CredentialKeyTests {
    /// A data directory's store, and the key file's path (`<data>/credential-key`).
    static func setup() throws -> (String, SQLiteDocumentStore) {
        let directory = try DataDirectory.prepare(DataDirectoryTests.temporaryPath())
        let store = try SQLiteDocumentStore(database: SQLiteDatabase(path: directory.path + "/quarry.sqlite"),
                                            files: URL(fileURLWithPath: directory.path + "/files"))
        return (directory.path + "/" + CredentialKey.fileName, store)
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
    }

    @Test("made on first use with one key, mode 0600; read back the same; a file that is not keys is refused naming it")
    func firstUse() throws {
        let (keys, _) = try Self.setup()
        let vault = try CredentialKey.vault(at: keys)
        #expect(try Self.lines(keys).count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: keys)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try CredentialKey.vault(at: keys).keyID == vault.keyID)
        try "not a key\n".write(toFile: keys, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try CredentialKey.vault(at: keys) }
    }

    @Test("rotate: a new key first, every credential sealed anew; a process holding the old keys reads the file again and opens them; drop-old keeps one key")
    func rotation() async throws {
        let (keys, store) = try Self.setup()
        let before = Credentials(store: store, vault: try CredentialKey.vault(at: keys), reload: CredentialKey.reloading(at: keys))
        let created = try await before.create(type: "notion", name: "wiki", fields: ["token": "ntn_rotating_secret"], tenant: "acme")
        let oldKey = try CredentialKey.vault(at: keys).keyID

        let rotated = try CredentialKey.rotate(at: keys)
        let lines = try Self.lines(keys)
        #expect(rotated.keyID != oldKey && rotated.holds(oldKey) && lines.count == 2)
        let (resealed, stale) = try await Credentials(store: store, vault: rotated).resealAll(batch: 1)
        #expect(resealed == 1 && stale == 0)
        #expect(try await store.credential(created.id, tenant: "acme")?.sealed["token"]?.key == rotated.keyID)

        // A server started before the rotation holds only the old key: it reads the file again.
        #expect(try await before.opened(created.id, tenant: "acme").fields["token"] == "ntn_rotating_secret")
        let stuck = Credentials(store: store, vault: try CredentialVault(key: Data(Hex.decode(lines[1])!)))
        await #expect(throws: CredentialVault.Failure.self) { try await stuck.opened(created.id, tenant: "acme") }

        try CredentialKey.dropOld(at: keys)
        #expect(try Self.lines(keys).count == 1)
        let after = Credentials(store: store, vault: try CredentialKey.vault(at: keys))
        #expect(try await after.opened(created.id, tenant: "acme").fields["token"] == "ntn_rotating_secret")
    }
}
