import Foundation
import QuarryCore

/// Sends a connector's effect at most once per node of a run, through the ``EffectLedger``:
/// the intent is written before the send and the answer after it.
/// - An earlier attempt's answer is there: it is returned, and nothing is sent again.
/// - An earlier attempt's intent is there with no answer (its worker was killed mid-send, or no
///   answer came in time): the node fails as "possibly sent", for a person to check, and is
///   never sent a second time silently. Running the workflow again sends anew (a new run).
/// - The provider surely did not act (an error answer, no connection): the intent is taken
///   back, so a retry sends.
struct EffectOnce: Sendable {
    let ledger: (any EffectLedger)?

    func send(_ context: NodeContext, to provider: String, _ effect: () async throws -> JSONValue) async throws -> JSONValue {
        guard let ledger else { return try await effect() }
        let key = context.idempotencyKey
        if let earlier = try await ledger.intend(key, tenant: context.tenant, at: Date()) {
            switch earlier.state {
            case .completed:
                await context.log(.info, "already sent to \(provider) at \(Self.time(earlier.at)); its answer is kept, nothing sent again", nil)
                return earlier.answer ?? .null
            case .intended:
                throw PermanentNodeError("possibly sent: an attempt began sending to \(provider) at \(Self.time(earlier.at)) and its answer was never " +
                                         "recorded (its worker stopped, or no answer came in time). Check \(provider); run the workflow again to send anew.")
            }
        }
        do {
            let answer = try await effect()
            try await ledger.complete(key, tenant: context.tenant, answer: answer, at: Date())
            return answer
        } catch let error as ProviderCall.NoAnswer {
            // The provider may have acted: the intent stays, and the next attempt says so.
            throw error
        } catch {
            try? await ledger.forget(key, tenant: context.tenant)
            throw error
        }
    }

    static func time(_ date: Date) -> String { date.formatted(.iso8601) }
}
