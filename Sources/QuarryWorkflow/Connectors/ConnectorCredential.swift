import Foundation
import QuarryCore

extension Credentials {
    /// The fields (secrets opened) of the tenant's credential named by a node's `credential`
    /// config, which must be of `type`: a ``PermanentNodeError`` naming `/credential` otherwise,
    /// since trying again cannot mend a missing credential or an unreadable key file.
    func fields(of id: String, type: String, tenant: String) async throws -> [String: String] {
        let opened: (type: String, fields: [String: String])
        do {
            opened = try await self.opened(id, tenant: tenant)
        } catch is NotFound {
            throw PermanentNodeError("config /credential: the tenant has no credential '\(id.prefix(100))'", field: "/credential")
        } catch let failure as CredentialVault.Failure {
            throw PermanentNodeError("config /credential: \(failure.reason)", field: "/credential")
        }
        guard opened.type == type else {
            throw PermanentNodeError("config /credential: '\(id.prefix(100))' is of type \(opened.type), not \(type)", field: "/credential")
        }
        return opened.fields
    }

    /// The secret values among a credential's `fields`, to scrub from what a node says.
    static func secrets(of fields: [String: String], type: String) -> [String] {
        guard let type = CredentialType.named(type) else { return [] }
        return type.fields.filter(\.secret).compactMap { fields[$0.name] }.filter { !$0.isEmpty }
    }
}

extension Optional where Wrapped == Credentials {
    /// The credentials, or the failure of a worker started without them.
    func required() throws -> Credentials {
        guard let self else { throw PermanentNodeError("config /credential: this worker has no credentials", field: "/credential") }
        return self
    }
}
