/// A lease that one process at a time holds, so that of several schedulers one leads: Redis
/// (`SET … NX PX`, QuarryRedis) beside the Redis queue, SQLite beside the embedded one.
/// A lease ends when its holder lets it run out or gives it back.
public protocol LeaderLease: Sendable {
    /// Takes the lease `name` for `duration`, or extends it when `holder` has it already; false
    /// while another holder has it.
    func acquire(_ name: String, holder: String, for duration: Duration) async throws -> Bool
    /// Gives the lease back, if `holder` has it, so another may take it at once.
    func release(_ name: String, holder: String) async throws
}
