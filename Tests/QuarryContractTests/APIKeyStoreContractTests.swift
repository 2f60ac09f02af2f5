import Foundation
import QuarryCore
import Testing

@Suite("API key store contract")
struct APIKeyStoreContractTests {
    static func key(_ id: String, tenant: String = "acme", at seconds: Double) -> APIKey {
        APIKey(id: id, tenant: tenant, name: "key \(id)", role: .editor, digest: String(repeating: "ab", count: 32),
               createdAt: Date(timeIntervalSince1970: 1_800_000_000 + seconds), expiresAt: nil)
    }

    @Test("keys: found by id alone, listed by tenant newest first, deleted only by their own tenant; only digests are kept",
          arguments: StoreBackend.allCases)
    func lifecycle(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        try await store.createAPIKey(Self.key("k1", at: 1))
        try await store.createAPIKey(Self.key("k2", at: 2))
        try await store.createAPIKey(Self.key("k3", tenant: "globex", at: 3))
        #expect(try await store.apiKey(id: "k3")?.tenant == "globex", "the exchange finds any tenant's key by its id")
        #expect(try await store.apiKey(id: "k1") == Self.key("k1", at: 1))
        #expect(try await store.apiKey(id: "k9") == nil)
        #expect(try await store.apiKeys(tenant: "acme", limit: 10, offset: 0).map(\.id) == ["k2", "k1"])
        #expect(try await store.apiKeys(tenant: "acme", limit: 1, offset: 1).map(\.id) == ["k1"])
        #expect(try await store.deleteAPIKey("k3", tenant: "acme") == false, "another tenant's key is not deleted")
        #expect(try await store.apiKey(id: "k3") != nil)
        #expect(try await store.deleteAPIKey("k1", tenant: "acme"))
        #expect(try await store.apiKey(id: "k1") == nil)
        #expect(try await store.deleteAPIKey("k1", tenant: "acme") == false)

        // Through the service: what is stored is the digest, and the text verifies while the key lives.
        let keys = APIKeys(store: store)
        let made = try await keys.create(name: "ci", role: .viewer, tenant: "acme", lifetime: nil)
        let stored = try #require(try await store.apiKey(id: made.key.id))
        #expect(!made.text.contains(stored.digest) && stored.digest.count == 64)
        #expect(try await keys.verify(made.text)?.id == made.key.id)
        try await keys.revoke(made.key.id, tenant: "acme")
        #expect(try await keys.verify(made.text) == nil)
    }
}
