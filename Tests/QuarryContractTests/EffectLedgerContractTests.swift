import Foundation
import QuarryCore
import Testing

@Suite("effect ledger contract")
struct EffectLedgerContractTests {
    @Test("an intent is written once: a second intend sees it; completion keeps the answer; forget lets a later attempt send; keys are per tenant",
          arguments: StoreBackend.allCases)
    func lifecycle(backend: StoreBackend) async throws {
        let ledger = try backend.makeStore()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await ledger.intend("run-1:post", tenant: "acme", at: start) == nil, "the first intent may send")
        let seen = try await ledger.intend("run-1:post", tenant: "acme", at: start.addingTimeInterval(5))
        #expect(seen == Effect(state: .intended, at: start), "a second intend writes nothing and sees the first")
        #expect(try await ledger.intend("run-1:post", tenant: "globex", at: start) == nil, "another tenant's key is its own")

        let answer: JSONValue = .object(["channel": .string("C1"), "ts": .string("1700000000.000100")])
        try await ledger.complete("run-1:post", tenant: "acme", answer: answer, at: start.addingTimeInterval(1))
        #expect(try await ledger.intend("run-1:post", tenant: "acme", at: start.addingTimeInterval(9)) ==
                Effect(state: .completed, at: start.addingTimeInterval(1), answer: answer))

        try await ledger.forget("run-1:post", tenant: "globex")
        #expect(try await ledger.intend("run-1:post", tenant: "globex", at: start) == nil, "after forget, a later attempt may send")
        #expect(try await ledger.intend("run-1:post", tenant: "acme", at: start)?.state == .completed, "forgetting globex's leaves acme's")
    }

    @Test("of many concurrent intends of one key, exactly one may send", arguments: StoreBackend.allCases)
    func raceForOneKey(backend: StoreBackend) async throws {
        let ledger = try backend.makeStore()
        let mayGo = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 { group.addTask { try await ledger.intend("run-2:post", tenant: "acme", at: Date()) == nil } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(mayGo == 1)
    }
}
