import QuarryCore
import Testing

@Suite("Roles, principals and tenants")
struct RoleTests {
    @Test("each role includes the ones below it", arguments: [
        (Role.admin, Role.viewer, true), (.admin, .editor, true), (.admin, .admin, true),
        (.editor, .viewer, true), (.editor, .admin, false), (.viewer, .editor, false), (.viewer, .viewer, true),
    ])
    func hierarchy(held: Role, needed: Role, allowed: Bool) {
        let principal = Principal(subject: "s", tenant: "t", roles: [held])
        #expect(principal.has(needed) == allowed)
    }

    @Test("a principal without roles may do nothing")
    func noRoles() {
        let principal = Principal(subject: "s", tenant: "t", roles: [])
        #expect(Role.allCases.allSatisfy { !principal.has($0) })
    }

    @Test("tenant names", arguments: [
        ("default", true), ("acme-corp_2.eu", true), (String(repeating: "a", count: 64), true),
        ("", false), (String(repeating: "a", count: 65), false), ("a/b", false), ("a b", false), ("ünï", false), ("a\nb", false),
    ])
    func tenantNames(name: String, valid: Bool) {
        #expect(Tenant.isValid(name) == valid)
    }
}
