import Foundation
import QuarryCore

/// The effect ledger (`effects`): one document per connector send, keyed by tenant and key, its
/// answer as JSON text. Each write is acknowledged by the server before the send goes on.
extension MongoDocumentStore: EffectLedger {
    static let effects = "effects"

    public func intend(_ key: String, tenant: String, at date: Date) async throws -> Effect? {
        try await prepare()
        let stored = StoredEffect(key: key, tenant: tenant, effect: Effect(state: .intended, at: date))
        do {
            try await client.run { session in try session.insertMany(Self.effects, [stored]) }
            return nil
        } catch let error as MongoError where error.isDuplicateKey {
            return try await client.run { session in
                try session.find(Self.effects, filter: ByKey(_id: stored._id), options: Limit(limit: 1)).first
                    .map { try $0.decode(StoredEffect.self).decoded() }
            }
        }
    }

    public func complete(_ key: String, tenant: String, answer: JSONValue, at date: Date) async throws {
        try await prepare()
        let stored = StoredEffect(key: key, tenant: tenant, effect: Effect(state: .completed, at: date, answer: answer))
        try await client.run { session in _ = try session.replaceOne(Self.effects, filter: ByKey(_id: stored._id), with: stored, upsert: true) }
    }

    public func forget(_ key: String, tenant: String) async throws {
        try await prepare()
        try await client.run { session in _ = try session.deleteMany(Self.effects, filter: ByKey(_id: QuarryMongo.key(key, tenant: tenant))) }
    }
}

struct StoredEffect: Codable, Sendable {
    let _id: String
    let tenant: String
    let state: String
    let at: Date
    let answer: String?

    init(key: String, tenant: String, effect: Effect) {
        _id = QuarryMongo.key(key, tenant: tenant)
        self.tenant = tenant
        state = effect.state.rawValue
        at = effect.at
        answer = effect.answer.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data("null".utf8), as: UTF8.self) }
    }

    func decoded() throws -> Effect {
        Effect(state: Effect.State(rawValue: state) ?? .intended, at: at,
               answer: try answer.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) })
    }
}
