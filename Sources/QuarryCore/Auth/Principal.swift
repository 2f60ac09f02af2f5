/// The authenticated caller of an API route: who (`subject`), in which tenant, with which roles.
/// Every read and write is scoped to `tenant`.
public struct Principal: Sendable, Equatable {
    public let subject: String
    public let tenant: String
    public let roles: Set<Role>

    public init(subject: String, tenant: String, roles: Set<Role>) {
        self.subject = subject
        self.tenant = tenant
        self.roles = roles
    }

    /// Whether one of the caller's roles is at least `role`.
    public func has(_ role: Role) -> Bool {
        roles.contains { $0 >= role }
    }
}
