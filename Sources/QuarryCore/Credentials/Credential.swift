import Foundation

/// A tenant's credential for a connector: its type (``CredentialType``), a name for people, the
/// fields that are not secret as given, and the secret ones sealed (``CredentialVault``). The API
/// shows which secret fields are set, never their values.
public struct Credential: Codable, Sendable, Equatable {
    public let id: String
    public let tenant: String
    public var name: String
    public let type: String
    public var fields: [String: String]
    public var sealed: [String: SealedValue]
    public let createdAt: Date
    public var updatedAt: Date

    /// A new credential of `type` with `given` fields, checked, its secret ones sealed.
    public init(id: String, tenant: String, name: String, type: CredentialType, given: [String: String], vault: CredentialVault,
                at time: Date = Date()) throws {
        try type.check(given)
        self.id = id
        self.tenant = tenant
        self.name = name
        self.type = type.name
        var fields: [String: String] = [:]
        var sealed: [String: SealedValue] = [:]
        for (name, value) in given {
            if type.field(name)?.secret == true {
                sealed[name] = try vault.seal(value, tenant: tenant, credential: id, field: name)
            } else {
                fields[name] = value
            }
        }
        self.fields = fields
        self.sealed = sealed
        createdAt = time
        updatedAt = time
    }

    /// Every field, the secret ones opened: for the connector that uses it, never for an answer.
    public func opened(with vault: CredentialVault) throws -> [String: String] {
        var all = fields
        for (name, value) in sealed { all[name] = try vault.open(value, tenant: tenant, credential: id, field: name) }
        return all
    }

    /// This credential with its secret fields sealed again under the vault's current key.
    public func resealed(with vault: CredentialVault) throws -> Credential {
        var copy = self
        for (name, value) in sealed where vault.isStale(value) {
            copy.sealed[name] = try vault.seal(try vault.open(value, tenant: tenant, credential: id, field: name), tenant: tenant, credential: id, field: name)
        }
        return copy
    }
}
