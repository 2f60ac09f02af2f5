import Foundation
import QuarryCore

/// A tenant's credentials for the connectors: created with their fields checked by type and
/// their secret fields sealed (``CredentialVault``) before the store sees them; listed and read
/// with the secrets left sealed (the API shows which are set, never their values); opened only
/// for the connector that uses them.
public struct Credentials: Sendable {
    let store: any CredentialStore
    let vault: CredentialVault
    let now: @Sendable () -> Date

    public init(store: any CredentialStore, vault: CredentialVault, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.vault = vault
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
                                            vault: vault, at: now())
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

    /// Every field of the tenant's credential `id`, secrets opened: for a connector, never an answer.
    public func opened(_ id: String, tenant: String) async throws -> [String: String] {
        try await credential(id, tenant: tenant).opened(with: vault)
    }
}
