import Foundation
import QuarryCore
import Synchronization

/// ``ActionLimiter`` in this process's memory: for the embedded queue, whose workers all run in
/// `quarry serve`. The same rules as Redis's: a cell rate with a burst, places in flight.
public final class LocalActionLimiter: ActionLimiter {
    struct Bucket {
        /// When the next token is due (the "theoretical arrival time" of a cell-rate limiter).
        var due: ContinuousClock.Instant
        var holders: [String: ContinuousClock.Instant] = [:]
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    public init() {}

    public func acquire(_ key: String, limit: ActionLimit, holder: String) async throws -> Duration? {
        let now = ContinuousClock.now
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(due: now)
            bucket.holders = bucket.holders.filter { $0.value > now }
            let due = max(bucket.due, now)
            let allowedAt = due - limit.interval * (limit.burst - 1)
            if allowedAt > now { return allowedAt - now }
            if bucket.holders.count >= limit.concurrency { return .milliseconds(20) }
            bucket.due = due + limit.interval
            bucket.holders[holder] = now + limit.lease
            buckets[key] = bucket
            return nil
        }
    }

    public func release(_ key: String, holder: String) async throws {
        buckets.withLock { _ = $0[key]?.holders.removeValue(forKey: holder) }
    }
}
