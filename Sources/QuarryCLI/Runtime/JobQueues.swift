import QuarryCore
import QuarryEmbedded
import QuarryRedis

/// The job queue the settings select (`queue`).
enum JobQueues {
    /// SQLite in `database`, or Redis in Dramatiq's layout.
    static func open(_ settings: Settings, database: SQLiteDatabase) throws -> any JobQueue {
        guard settings.queue == .redis else { return try SQLiteJobQueue(database: database) }
        let (client, redis) = try redisClient(settings)
        return RedisJobQueue(client: client, namespace: redis.namespace, heartbeatTimeout: redis.heartbeatTimeout)
    }

    /// A client of the settings' Redis, and those settings. They were checked both when resolved:
    /// never fall back to the embedded queue.
    static func redisClient(_ settings: Settings) throws -> (RedisClient, Settings.RedisQueue) {
        guard let redis = settings.redis, let endpoint = RedisEndpoint(url: redis.url) else {
            throw ConfigurationError(key: SettingKey.redisURL.name, origin: "settings", reason: "is required when queue is redis")
        }
        return (RedisClient(endpoint: endpoint), redis)
    }

    /// The leader lease beside the queue: in the same SQLite, or in the same Redis and namespace.
    static func openLease(_ settings: Settings, database: SQLiteDatabase) throws -> any LeaderLease {
        guard settings.queue == .redis else { return try SQLiteLeaderLease(database: database) }
        let (client, redis) = try redisClient(settings)
        return RedisLeaderLease(client: client, namespace: redis.namespace)
    }

    /// Where the connectors' limits are kept: Redis beside the queue, so every worker shares them;
    /// on the embedded queue, this process (every worker runs in `quarry serve`).
    static func openLimiter(_ settings: Settings) throws -> any ActionLimiter {
        guard settings.queue == .redis else { return LocalActionLimiter() }
        let (client, redis) = try redisClient(settings)
        return RedisActionLimiter(client: client, namespace: redis.namespace)
    }
}
