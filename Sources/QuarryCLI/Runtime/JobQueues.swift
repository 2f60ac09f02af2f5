import QuarryCore
import QuarryEmbedded
import QuarryRedis

/// The job queue the settings select (`queue`).
enum JobQueues {
    /// SQLite in `database`, or Redis in Dramatiq's layout.
    static func open(_ settings: Settings, database: SQLiteDatabase) throws -> any JobQueue {
        guard settings.queue == .redis else { return try SQLiteJobQueue(database: database) }
        // Settings checked both when they were resolved: never fall back to the embedded queue.
        guard let redis = settings.redis, let endpoint = RedisEndpoint(url: redis.url) else {
            throw ConfigurationError(key: SettingKey.redisURL.name, origin: "settings", reason: "is required when queue is redis")
        }
        return RedisJobQueue(client: RedisClient(endpoint: endpoint), namespace: redis.namespace, heartbeatTimeout: redis.heartbeatTimeout)
    }

    /// The leader lease beside the queue: in the same SQLite, or in the same Redis and namespace.
    static func openLease(_ settings: Settings, database: SQLiteDatabase) throws -> any LeaderLease {
        guard settings.queue == .redis else { return try SQLiteLeaderLease(database: database) }
        guard let redis = settings.redis, let endpoint = RedisEndpoint(url: redis.url) else {
            throw ConfigurationError(key: SettingKey.redisURL.name, origin: "settings", reason: "is required when queue is redis")
        }
        return RedisLeaderLease(client: RedisClient(endpoint: endpoint), namespace: redis.namespace)
    }

    /// Where the connectors' limits are kept: Redis beside the queue, so every worker shares them;
    /// on the embedded queue, this process (every worker runs in `quarry serve`).
    static func openLimiter(_ settings: Settings) throws -> any ActionLimiter {
        guard settings.queue == .redis else { return LocalActionLimiter() }
        guard let redis = settings.redis, let endpoint = RedisEndpoint(url: redis.url) else {
            throw ConfigurationError(key: SettingKey.redisURL.name, origin: "settings", reason: "is required when queue is redis")
        }
        return RedisActionLimiter(client: RedisClient(endpoint: endpoint), namespace: redis.namespace)
    }
}
