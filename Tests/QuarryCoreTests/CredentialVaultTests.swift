import Foundation
import QuarryCore
import Testing

@Suite("Credentials: fields checked by type, secrets sealed per tenant and place")
struct CredentialVaultTests {
    static let oldKey = Data((0..<32).map { UInt8($0) })
    static let newKey = Data((0..<32).map { UInt8(255 - $0) })

    static func twilio(_ vault: CredentialVault, tenant: String = "acme") throws -> Credential {
        try Credential(id: "cred-1", tenant: tenant, name: "SMS", type: CredentialType.named("twilio")!,
                       given: ["account_sid": "AC123", "auth_token": "s3cret-token-value", "from": "+15550001"], vault: vault)
    }

    @Test("secret fields are sealed, the others kept as given; opening gives every field back; the sealed text holds no plaintext")
    func sealAndOpen() throws {
        let vault = try CredentialVault(key: Self.oldKey)
        let credential = try Self.twilio(vault)
        #expect(credential.fields == ["account_sid": "AC123", "from": "+15550001"])
        #expect(Set(credential.sealed.keys) == ["auth_token"])
        let sealed = try #require(credential.sealed["auth_token"])
        #expect(sealed.key == vault.keyID && !sealed.box.contains("s3cret"))
        let bytes = try #require(Data(base64Encoded: sealed.box))
        #expect(bytes.range(of: Data("s3cret".utf8)) == nil)
        #expect(try credential.opened(with: vault) == ["account_sid": "AC123", "auth_token": "s3cret-token-value", "from": "+15550001"])
        let again = try vault.seal("s3cret-token-value", tenant: "acme", credential: "cred-1", field: "auth_token")
        #expect(again.box != sealed.box, "a fresh nonce every time")
    }

    @Test("a sealed value opens only for its tenant, credential and field, and only with its key")
    func boundToPlace() throws {
        let vault = try CredentialVault(key: Self.oldKey)
        let sealed = try vault.seal("token", tenant: "acme", credential: "c1", field: "auth_token")
        #expect(try vault.open(sealed, tenant: "acme", credential: "c1", field: "auth_token") == "token")
        for (tenant, credential, field) in [("globex", "c1", "auth_token"), ("acme", "c2", "auth_token"), ("acme", "c1", "password")] {
            #expect(throws: CredentialVault.Failure.self) { try vault.open(sealed, tenant: tenant, credential: credential, field: field) }
        }
        var altered = Array(Data(base64Encoded: sealed.box)!)
        altered[altered.count / 2] ^= 1
        #expect(throws: CredentialVault.Failure.self) {
            try vault.open(SealedValue(key: sealed.key, box: Data(altered).base64EncodedString()), tenant: "acme", credential: "c1", field: "auth_token")
        }
        let other = try CredentialVault(key: Self.newKey)
        #expect(throws: CredentialVault.Failure(reason: "field 'auth_token' of credential c1 is sealed under key \(vault.keyID), which this server does not have")) {
            try other.open(sealed, tenant: "acme", credential: "c1", field: "auth_token")
        }
        #expect(throws: CredentialVault.Failure.self) { try CredentialVault(key: Data(count: 16)) }
    }

    @Test("a rotation: the new key with the old as previous opens both; resealed values need only the new key")
    func rotation() throws {
        let old = try CredentialVault(key: Self.oldKey)
        let credential = try Self.twilio(old)
        let rotating = try CredentialVault(key: Self.newKey, previous: [Self.oldKey])
        #expect(rotating.keyID != old.keyID && rotating.isStale(credential.sealed["auth_token"]!))
        #expect(try credential.opened(with: rotating)["auth_token"] == "s3cret-token-value")
        let resealed = try credential.resealed(with: rotating)
        #expect(resealed.sealed["auth_token"]?.key == rotating.keyID && resealed.fields == credential.fields)
        #expect(try resealed.opened(with: CredentialVault(key: Self.newKey))["auth_token"] == "s3cret-token-value")
    }

    @Test("fields are checked against the type: an unknown one, a missing required one, an empty one, each named")
    func fieldsChecked() throws {
        let vault = try CredentialVault(key: Self.oldKey)
        let twilio = CredentialType.named("twilio")!
        func field(_ given: [String: String]) -> String? {
            do {
                _ = try Credential(id: "c", tenant: "acme", name: "n", type: twilio, given: given, vault: vault)
                return nil
            } catch let error as InvalidField {
                return error.field
            } catch {
                return "\(error)"
            }
        }
        #expect(field(["account_sid": "AC1", "auth_token": "t", "colour": "red"]) == "/fields/colour")
        #expect(field(["account_sid": "AC1"]) == "/fields/auth_token")
        #expect(field(["account_sid": "", "auth_token": "t"]) == "/fields/account_sid")
        #expect(field(["account_sid": "AC1", "auth_token": "t"]) == nil)
        #expect(CredentialType.named("carrier-pigeon") == nil)
        let slack = CredentialType.named("slack")!
        #expect(throws: InvalidField("/fields/bot_token", "a slack credential needs one of: bot_token, webhook_url")) { try slack.check(["base_url": "https://x"]) }
        #expect(throws: Never.self) { try slack.check(["webhook_url": "https://hooks.example/1"]) }
        let http = CredentialType.named("http")!
        #expect(throws: InvalidField("/fields/header_name", "header_name and header_value come together: 'header_name' is missing")) {
            try http.check(["header_value": "k-123"])
        }
        #expect(throws: Never.self) { try http.check(["header_name": "X-Api-Key", "header_value": "k-123"]) }
    }
}
