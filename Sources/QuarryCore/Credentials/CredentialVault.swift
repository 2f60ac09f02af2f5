import Crypto
import Foundation

/// A credential's secret field, sealed: AES-GCM under the tenant's key (derived from the key
/// encryption key with HKDF), bound to the credential and field it belongs to, so a value copied
/// to another tenant, credential or field does not open.
public struct SealedValue: Codable, Sendable, Equatable {
    /// Which key encryption key sealed it (``CredentialVault/keyID``).
    public let key: String
    /// Nonce, ciphertext and tag, base64.
    public let box: String

    public init(key: String, box: String) {
        self.key = key
        self.box = box
    }
}

/// Seals and opens credentials' secret fields. The key encryption key (32 bytes) never leaves
/// the process: each tenant's key is derived from it, and each value is sealed with a fresh nonce.
/// Keys given as `previous` still open what they sealed, so a rotation re-seals at its own pace.
public struct CredentialVault: Sendable {
    /// A value that does not open.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
        public init(reason: String) { self.reason = reason }
    }

    public let keyID: String
    private let keys: [String: SymmetricKey]

    /// `key`: 32 bytes; `previous`: keys an earlier rotation replaced.
    public init(key: Data, previous: [Data] = []) throws(Failure) {
        for candidate in [key] + previous where candidate.count != 32 {
            throw Failure(reason: "a credential key is 32 bytes (64 hex digits), not \(candidate.count)")
        }
        keyID = Self.id(of: key)
        var keys: [String: SymmetricKey] = [:]
        for candidate in previous + [key] { keys[Self.id(of: candidate)] = SymmetricKey(data: candidate) }
        self.keys = keys
    }

    /// A key's name, stored beside what it sealed: 8 hex digits of a hash, telling nothing of it.
    static func id(of key: Data) -> String {
        Hex.encode(SHA256.hash(data: Data("quarry credential key id".utf8) + key).prefix(4))
    }

    public func seal(_ value: String, tenant: String, credential: String, field: String) throws -> SealedValue {
        let box = try AES.GCM.seal(Data(value.utf8), using: tenantKey(keys[keyID]!, tenant), authenticating: Self.place(credential, field))
        guard let combined = box.combined else { throw Failure(reason: "sealing produced no box") }
        return SealedValue(key: keyID, box: combined.base64EncodedString())
    }

    public func open(_ sealed: SealedValue, tenant: String, credential: String, field: String) throws(Failure) -> String {
        guard let key = keys[sealed.key] else {
            throw Failure(reason: "field '\(field)' of credential \(credential) is sealed under key \(sealed.key), which this server does not have")
        }
        do {
            guard let data = Data(base64Encoded: sealed.box) else { throw Failure(reason: "not base64") }
            let opened = try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: tenantKey(key, tenant), authenticating: Self.place(credential, field))
            return String(decoding: opened, as: UTF8.self)
        } catch {
            throw Failure(reason: "field '\(field)' of credential \(credential) does not open: it was altered, or sealed for another place")
        }
    }

    /// Whether `sealed` was sealed under an older key (a rotation re-seals it).
    public func isStale(_ sealed: SealedValue) -> Bool { sealed.key != keyID }

    /// Whether this vault holds the key `id` names.
    public func holds(_ id: String) -> Bool { keys[id] != nil }

    private func tenantKey(_ key: SymmetricKey, _ tenant: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, salt: Data("quarry credentials".utf8), info: Data(tenant.utf8), outputByteCount: 32)
    }

    private static func place(_ credential: String, _ field: String) -> Data { Data("\(credential)/\(field)".utf8) }
}
