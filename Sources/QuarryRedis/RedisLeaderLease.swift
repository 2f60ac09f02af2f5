import Foundation
import QuarryCore

/// ``LeaderLease`` in Redis, beside the queues: key `<namespace>:quarry.lease.<name>` holds the
/// holder's name and expires with the lease (Redis's own clock decides). Taking, extending and
/// giving back each run as one short script, so no two holders interleave.
public final class RedisLeaderLease: LeaderLease {
    public let client: RedisClient
    public let namespace: String

    public init(client: RedisClient, namespace: String = "dramatiq") {
        self.client = client
        self.namespace = namespace
    }

    static let acquireScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder == false or holder == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return 0
        """

    static let releaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """

    public func acquire(_ name: String, holder: String, for duration: Duration) async throws -> Bool {
        let milliseconds = String(max(Int64(duration.milliseconds), 1))
        return try await client.command(["EVAL", Self.acquireScript, "1", key(name), holder, milliseconds]).int == 1
    }

    public func release(_ name: String, holder: String) async throws {
        _ = try await client.command(["EVAL", Self.releaseScript, "1", key(name), holder])
    }

    func key(_ name: String) -> String { "\(namespace):quarry.lease.\(name)" }
}
