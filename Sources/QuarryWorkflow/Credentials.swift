import Foundation
import QuarryCore
import Synchronization

/// A tenant's credentials for the connectors: created with their fields checked by type and
/// their secret fields sealed (``CredentialVault``) before the store sees them; listed and read
/// with the secrets left sealed (the API shows which are set, never their values); opened only
/// for the connector that uses them.
///
/// A value sealed under a key this process does not hold (another process rotated the keys) makes
/// it read its keys again (`reload`), so a rotation stops nothing.
public struct Credentials: Sendable {
    let store: any CredentialStore
    private let keys: Keys
    let now: @Sendable () -> Date

    /// The vault in use, and how to read it anew.
    final class Keys: Sendable {
        let vault: Mutex<CredentialVault>
        let reload: (@Sendable () throws -> CredentialVault)?

        init(_ vault: CredentialVault, reload: (@Sendable () throws -> CredentialVault)?) {
            self.vault = Mutex(vault)
            self.reload = reload
        }

        var current: CredentialVault { vault.withLock { $0 } }

        /// The vault, read anew first when it lacks a key `credential` was sealed under.
        func vault(for credential: Credential) throws -> CredentialVault {
            let vault = current
            guard let reload, credential.sealed.values.contains(where: { !vault.holds($0.key) }) else { return vault }
            let fresh = try reload()
            self.vault.withLock { $0 = fresh }
            return fresh
        }
    }

    /// `reload`: reads the keys anew (the key file), for a value sealed under a key `vault` lacks.
    public init(store: any CredentialStore, vault: CredentialVault, reload: (@Sendable () throws -> CredentialVault)? = nil,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        keys = Keys(vault, reload: reload)
        self.now = now
    }

    /// A new credential; ``InvalidField`` for an unknown type or a field its type refuses.
    public func create(type name: String, name title: String, fields: [String: String], tenant: String) async throws -> Credential {
        guard let type = CredentialType.named(name) else {
            throw InvalidField("/type", "no credential type '\(name.prefix(100))' (there are: \(CredentialType.all.map(\.name).joined(separator: ", ")))")
        }
        while true {
            // A random id: taken only by a collision of 122 random bits, which a new one mends.
            let credential = try Credential(id: "cred-" + UUID().uuidString.lowercased(), tenant: tenant, name: title, type: type, given: fields,
                                            vault: keys.current, at: now())
            if try await store.createCredential(credential) { return credential }
        }
    }

    public func credential(_ id: String, tenant: String) async throws -> Credential {
        guard let credential = try await store.credential(id, tenant: tenant) else { throw NotFound("credential", id: id) }
        return credential
    }

    public func credentials(tenant: String, limit: Int, offset: Int) async throws -> [Credential] {
        try await store.credentials(tenant: tenant, limit: limit, offset: offset)
    }

    public func delete(_ id: String, tenant: String) async throws {
        guard try await store.deleteCredential(id, tenant: tenant) else { throw NotFound("credential", id: id) }
    }

    /// Every field of the tenant's credential `id`, secrets opened, and its type: for a
    /// connector, never an answer. ``NotFound`` for an id the tenant has no credential under.
    public func opened(_ id: String, tenant: String) async throws -> (type: String, fields: [String: String]) {
        let credential = try await credential(id, tenant: tenant)
        return (credential.type, try credential.opened(with: try keys.vault(for: credential)))
    }

    /// Seals every credential sealed under an older key anew under the current one, `batch` at a
    /// time; how many it sealed anew, and how many still hold an older key (one created meanwhile
    /// by a process that had not read the new key yet: a second pass takes it).
    public func resealAll(batch: Int = 100) async throws -> (resealed: Int, stale: Int) {
        let vault = keys.current
        func isStale(_ credential: Credential) -> Bool { credential.sealed.values.contains(where: vault.isStale) }
        var resealed = 0, stale = 0
        try await everyCredential(batch: batch) { credential in
            if isStale(credential), try await store.replaceCredential(try credential.resealed(with: vault)) { resealed += 1 }
        }
        try await everyCredential(batch: batch) { if isStale($0) { stale += 1 } }
        return (resealed, stale)
    }

    /// Calls `body` with every tenant's credentials, read `batch` at a time in the store's order.
    private func everyCredential(batch: Int, _ body: (Credential) async throws -> Void) async throws {
        var after: (tenant: String, id: String)?
        while true {
            let page = try await store.allCredentials(after: after, limit: batch)
            for credential in page { try await body(credential) }
            guard let last = page.last else { return }
            after = (last.tenant, last.id)
        }
    }
}
