import Foundation

/// Rate and concurrency limits on what connectors send, per credential (and per Slack channel),
/// shared by every worker through the queue's back end: Redis for `quarry worker` processes,
/// this process's memory on the embedded queue (whose workers all live in `quarry serve`).
public protocol ActionLimiter: Sendable {
    /// Takes a token from the bucket `key` and a place among the sends in flight under it, when
    /// both are free: nil, and the caller sends, then gives the place back with ``release(_:holder:)``.
    /// Otherwise nothing is taken, and the answer is how long to wait before asking again.
    func acquire(_ key: String, limit: ActionLimit, holder: String) async throws -> Duration?
    func release(_ key: String, holder: String) async throws
}

/// A bucket refilled with `rate` tokens a second that holds at most `burst` (a generic cell rate:
/// sends spaced `1 / rate` apart, `burst` of them at once after a quiet spell), and at most
/// `concurrency` sends in flight. A holder that dies keeps its place for `lease` at most.
public struct ActionLimit: Sendable, Equatable {
    public var rate: Double
    public var burst: Int
    public var concurrency: Int
    public var lease: Duration

    public init(rate: Double, burst: Int = 1, concurrency: Int, lease: Duration = .seconds(120)) {
        self.rate = max(rate, 0.001)
        self.burst = max(burst, 1)
        self.concurrency = max(concurrency, 1)
        self.lease = lease
    }

    /// The time between two tokens.
    public var interval: Duration { .nanoseconds(Int64(1_000_000_000 / rate)) }
}
