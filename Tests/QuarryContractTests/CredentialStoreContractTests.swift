import Foundation
import QuarryCore
import Testing

@Suite("credential store contract")
struct CredentialStoreContractTests {
    static let vault = try! CredentialVault(key: Data((0..<32).map { UInt8($0 * 3 % 256) }))

    static func slack(_ id: String, tenant: String = "acme", at seconds: Double = 0) throws -> Credential {
        try Credential(id: id, tenant: tenant, name: "bot \(id)", type: CredentialType.named("slack")!,
                       given: ["bot_token": "xoxb-secret-\(id)", "base_url": "https://slack.example"], vault: vault,
                       at: Date(timeIntervalSince1970: 1_800_000_000 + seconds))
    }

    @Test("credentials: created once per id, read and listed by tenant newest first, replaced, deleted; another tenant's are not there",
          arguments: StoreBackend.allCases)
    func lifecycle(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        let first = try Self.slack("c1", at: 1), second = try Self.slack("c2", at: 2)
        #expect(try await store.createCredential(first))
        #expect(try await store.createCredential(second))
        #expect(try await store.createCredential(try Self.slack("c1", at: 3)) == false, "the id is taken")
        #expect(try await store.createCredential(try Self.slack("c1", tenant: "globex")), "ids are per tenant")
        #expect(try await store.credential("c1", tenant: "acme") == first)
        #expect(try await store.credential("c3", tenant: "acme") == nil)
        #expect(try await store.credentials(tenant: "acme", limit: 10, offset: 0).map(\.id) == ["c2", "c1"])
        #expect(try await store.credentials(tenant: "acme", limit: 1, offset: 1).map(\.id) == ["c1"])
        #expect(try await store.credential("c1", tenant: "globex")?.tenant == "globex")

        var renamed = first
        renamed.name = "renamed"
        #expect(try await store.replaceCredential(renamed))
        #expect(try await store.credential("c1", tenant: "acme")?.name == "renamed")
        var stranger = try Self.slack("c9", tenant: "acme")
        stranger.name = "none"
        #expect(try await store.replaceCredential(stranger) == false, "replacing needs a stored credential")

        let everyone = try await store.allCredentials(after: nil, limit: 10).map { "\($0.tenant)/\($0.id)" }
        #expect(everyone == ["acme/c1", "acme/c2", "globex/c1"])
        #expect(try await store.allCredentials(after: ("acme", "c1"), limit: 1).map { "\($0.tenant)/\($0.id)" } == ["acme/c2"])

        #expect(try await store.deleteCredential("c1", tenant: "globex"))
        #expect(try await store.credential("c1", tenant: "acme") != nil, "deleting globex's leaves acme's")
        #expect(try await store.deleteCredential("c1", tenant: "globex") == false)
        let opened = try #require(try await store.credential("c2", tenant: "acme")).opened(with: Self.vault)
        #expect(opened == ["bot_token": "xoxb-secret-c2", "base_url": "https://slack.example"])
    }
}
