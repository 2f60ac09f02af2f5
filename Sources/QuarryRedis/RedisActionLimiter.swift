import Foundation
import QuarryCore

/// ``ActionLimiter`` in Redis, beside the queues, so every `quarry worker` keeps one limit:
/// `<namespace>:quarry.limit.<key>` holds when the next token is due (milliseconds, Redis's own
/// clock, so the workers' clocks need not agree) and `….holders` the sends in flight, each
/// scored by when its place lapses. One script takes both or neither.
public final class RedisActionLimiter: ActionLimiter {
    public let client: RedisClient
    public let namespace: String

    public init(client: RedisClient, namespace: String = "dramatiq") {
        self.client = client
        self.namespace = namespace
    }

    /// 0: taken; otherwise the milliseconds to wait (at least 1).
    static let acquireScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
        local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
        local due = tonumber(redis.call('GET', KEYS[1]) or now)
        if due < now then due = now end
        local allowed = due - interval * (burst - 1)
        if allowed > now then return math.max(1, math.ceil(allowed - now)) end
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
        if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 20 end
        redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4])
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        redis.call('SET', KEYS[1], tostring(due + interval), 'PX', math.ceil(due + interval - now) + 1000)
        return 0
        """

    public func acquire(_ key: String, limit: ActionLimit, holder: String) async throws -> Duration? {
        let interval = limit.interval.seconds * 1000
        let reply = try await client.command(["EVAL", Self.acquireScript, "2", name(key), name(key) + ".holders", String(interval), String(limit.burst),
                                              String(limit.concurrency), holder, String(max(Int64(limit.lease.milliseconds), 1))])
        let wait = reply.int ?? 0
        return wait == 0 ? nil : .milliseconds(wait)
    }

    public func release(_ key: String, holder: String) async throws {
        _ = try await client.command(["ZREM", name(key) + ".holders", holder])
    }

    func name(_ key: String) -> String { "\(namespace):quarry.limit.\(key)" }
}
