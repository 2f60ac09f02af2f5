import Foundation
@testable import QuarryCLI
import QuarryCore
import QuarryEmbedded
import QuarryWorkflow
import Testing

@Suite("The credential key file, and rotating it with nothing stopped")
struct CredentialKeyTests {
    static func setup() throws -> (DataDirectory, SQLiteDocumentStore) {
        let directory = try DataDirectory.prepare(DataDirectoryTests.temporaryPath())
        let store = try SQLiteDocumentStore(database: SQLiteDatabase(path: directory.path + "/quarry.sqlite"),
                                            files: URL(fileURLWithPath: directory.path + "/files"))
        return (directory, store)
    }

    static func lines(_ directory: DataDirectory) throws -> [String] {
        try String(contentsOfFile: CredentialKey.path(in: directory), encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
    }

    @Test("made on first use with one key, mode 0600; read back the same; a file that is not keys is refused naming it")
    func firstUse() throws {
        let (directory, _) = try Self.setup()
        let vault = try CredentialKey.vault(in: directory)
        #expect(try Self.lines(directory).count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: CredentialKey.path(in: directory))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try CredentialKey.vault(in: directory).keyID == vault.keyID)
        try "not a key\n".write(toFile: CredentialKey.path(in: directory), atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try CredentialKey.vault(in: directory) }
    }

    @Test("rotate: a new key first, every credential sealed anew; a process holding the old keys reads the file again and opens them; drop-old keeps one key")
    func rotation() async throws {
        let (directory, store) = try Self.setup()
        let before = Credentials(store: store, vault: try CredentialKey.vault(in: directory), reload: CredentialKey.reloading(in: directory))
        let created = try await before.create(type: "notion", name: "wiki", fields: ["token": "ntn_rotating_secret"], tenant: "acme")
        let oldKey = try CredentialKey.vault(in: directory).keyID

        let rotated = try CredentialKey.rotate(in: directory)
        let lines = try Self.lines(directory)
        #expect(rotated.keyID != oldKey && rotated.holds(oldKey) && lines.count == 2)
        let (resealed, stale) = try await Credentials(store: store, vault: rotated).resealAll(batch: 1)
        #expect(resealed == 1 && stale == 0)
        #expect(try await store.credential(created.id, tenant: "acme")?.sealed["token"]?.key == rotated.keyID)

        // A server started before the rotation holds only the old key: it reads the file again.
        #expect(try await before.opened(created.id, tenant: "acme").fields["token"] == "ntn_rotating_secret")
        let stuck = Credentials(store: store, vault: try CredentialVault(key: Data(Hex.decode(lines[1])!)))
        await #expect(throws: CredentialVault.Failure.self) { try await stuck.opened(created.id, tenant: "acme") }

        try CredentialKey.dropOld(in: directory)
        #expect(try Self.lines(directory).count == 1)
        let after = Credentials(store: store, vault: try CredentialKey.vault(in: directory))
        #expect(try await after.opened(created.id, tenant: "acme").fields["token"] == "ntn_rotating_secret")
    }
}
