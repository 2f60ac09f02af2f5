import Foundation
import QuarryCore

/// Holds a connector's send to its limit (``ActionLimiter``): it waits for a token and a place
/// in flight, then sends, then gives the place back. A wait that would outlast the time left to
/// the attempt becomes a ``RetryLater`` of that wait, so the worker is not held past it.
struct Throttle: Sendable {
    let limiter: (any ActionLimiter)?

    /// The limit a credential asks for (`rate_per_second`, `max_concurrent`), else `default`.
    static func limit(_ fields: [String: String], default given: ActionLimit) -> ActionLimit {
        let rate = fields["rate_per_second"].flatMap(Double.init) ?? given.rate
        // A credential's own rate allows a burst of one second's worth.
        let burst = fields["rate_per_second"] == nil ? given.burst : max(1, Int(rate.rounded(.down)))
        return ActionLimit(rate: rate, burst: burst, concurrency: fields["max_concurrent"].flatMap { Int($0) } ?? given.concurrency)
    }

    /// `limited`: false sends at once (a connector without a limit of its own, as http_request
    /// whose credential names none).
    func send<T: Sendable>(_ key: String, _ limit: ActionLimit, within budget: Duration, limited: Bool = true,
                           _ body: () async throws -> T) async throws -> T {
        guard let limiter, limited else { return try await body() }
        let holder = UUID().uuidString
        let deadline = ContinuousClock.now + budget
        while let wait = try await limiter.acquire(key, limit: limit, holder: holder) {
            guard ContinuousClock.now + wait < deadline else {
                throw RetryLater("held back by the limit of \(limit.rate) a second on \(key.split(separator: ":").prefix(2).joined(separator: ":"))", after: wait)
            }
            try await Task.sleep(for: wait)
        }
        do {
            let result = try await body()
            try? await limiter.release(key, holder: holder)
            return result
        } catch {
            try? await limiter.release(key, holder: holder)
            throw error
        }
    }
}

extension Connectors {
    /// Each provider's limits when its credential names none (Docs/CONNECTORS.md): Slack about one
    /// message a second per channel; Notion three requests a second; Sheets sixty writes a
    /// minute per user; Twilio's and SMTP servers' accounts take more.
    static let slackLimit = ActionLimit(rate: 1, burst: 1, concurrency: 1)
    static let notionLimit = ActionLimit(rate: 3, burst: 3, concurrency: 3)
    static let sheetsLimit = ActionLimit(rate: 1, burst: 5, concurrency: 2)
    static let twilioLimit = ActionLimit(rate: 10, burst: 10, concurrency: 10)
    static let emailLimit = ActionLimit(rate: 5, burst: 5, concurrency: 4)
    /// http_request is limited only when its credential asks; then to its rate, and this many in flight unless told.
    static let httpLimit = ActionLimit(rate: 100_000, burst: 100_000, concurrency: 10_000)
}
