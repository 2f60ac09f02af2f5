import Foundation

/// Where credentials are kept (SQLite or MongoDB), their secret fields sealed already
/// (``CredentialVault``): a store never sees a secret in the clear. Every read is by tenant.
public protocol CredentialStore: Sendable {
    /// Stores a new credential; false when its id is taken.
    func createCredential(_ credential: Credential) async throws -> Bool
    func credential(_ id: String, tenant: String) async throws -> Credential?
    /// A page of the tenant's credentials, newest first.
    func credentials(tenant: String, limit: Int, offset: Int) async throws -> [Credential]
    /// Replaces a stored credential (same tenant and id; a key rotation's re-sealing); false when
    /// there is none.
    func replaceCredential(_ credential: Credential) async throws -> Bool
    func deleteCredential(_ id: String, tenant: String) async throws -> Bool
    /// A page of every tenant's credentials, in a stable order (what a key rotation walks).
    func allCredentials(after: (tenant: String, id: String)?, limit: Int) async throws -> [Credential]
}
