import Foundation
import QuarryCore
import Synchronization

/// Responses of recent queries, least recently used dropped first. The key holds the tenant, the
/// normalised query, every parameter and the index generation, so any write to the index makes
/// older entries unreachable (they age out).
public final class QueryCache: Sendable {
    struct State {
        var entries: [String: (response: QueryResponse, used: UInt64)] = [:]
        var clock: UInt64 = 0
        var hits = 0
        var lookups = 0
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 1000) {
        self.capacity = max(1, capacity)
    }

    /// The generation to key on when other processes (workers, other API replicas) write to the
    /// same back ends: this process counts only its own writes (`local`), so entries also turn
    /// over every `maxAge`, and a cached answer lags another process's write by at most that.
    /// Both parts only grow, so their sum changes whenever either does.
    public static func sharedGeneration(local: @escaping @Sendable () -> Int, maxAge: Duration = .seconds(5),
                                        now: @escaping @Sendable () -> Date = { Date() }) -> @Sendable () -> Int {
        { local() &+ Int((now().timeIntervalSince1970 / maxAge.seconds).rounded(.down)) }
    }

    static func key(tenant: String, request: QueryRequest, normalised: String, generation: Int) -> String {
        [tenant, normalised, String(request.topK), request.mode.rawValue, request.answer.rawValue,
         (request.documentIds ?? []).sorted().joined(separator: ","),
         request.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","), String(generation)]
            .joined(separator: "\u{0}")
    }

    func lookup(_ key: String) -> QueryResponse? {
        state.withLock { state in
            state.lookups += 1
            state.clock += 1
            guard let entry = state.entries[key] else { return nil }
            state.hits += 1
            state.entries[key] = (entry.response, state.clock)
            return entry.response
        }
    }

    func store(_ response: QueryResponse, for key: String) {
        state.withLock { state in
            state.clock += 1
            if state.entries.count >= capacity, state.entries[key] == nil,
               let oldest = state.entries.min(by: { $0.value.used < $1.value.used })?.key {
                state.entries[oldest] = nil
            }
            state.entries[key] = (response, state.clock)
        }
    }

    /// Hits over lookups since start (0 before any lookup): `rag_cache_hit_ratio`.
    public var hitRatio: Double {
        state.withLock { $0.lookups == 0 ? 0 : Double($0.hits) / Double($0.lookups) }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
