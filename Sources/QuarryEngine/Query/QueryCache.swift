import Foundation
import QuarryCore
import Synchronization

/// Responses of recent queries, least recently used dropped first. The key holds the tenant, the
/// normalised query, every parameter and the index generation, so any write to the index makes
/// older entries unreachable; the first answer stored under a newer generation drops them all,
/// rather than leaving up to `capacity` whole responses nobody can hit until the LRU reaches them.
public final class QueryCache: Sendable {
    /// The question and its parameters, and the index generation they were answered at.
    struct Key: Hashable {
        let question: String
        let generation: Int
    }

    struct State {
        var entries: [Key: (response: QueryResponse, used: UInt64)] = [:]
        /// The newest generation stored; generations only grow, so entries of older ones are stale.
        var generation = Int.min
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

    static func key(tenant: String, request: QueryRequest, normalised: String, generation: Int) -> Key {
        Key(question: [tenant, normalised, String(request.topK), request.mode.rawValue, request.answer.rawValue,
                       (request.documentIds ?? []).sorted().joined(separator: ","),
                       request.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")]
                .joined(separator: "\u{0}"),
            generation: generation)
    }

    func lookup(_ key: Key) -> QueryResponse? {
        state.withLock { state in
            state.lookups += 1
            state.clock += 1
            guard let entry = state.entries[key] else { return nil }
            state.hits += 1
            state.entries[key] = (entry.response, state.clock)
            return entry.response
        }
    }

    func store(_ response: QueryResponse, for key: Key) {
        state.withLock { state in
            // An answer computed before a write that another query has already stored past.
            guard key.generation >= state.generation else { return }
            if key.generation > state.generation {
                state.entries = state.entries.filter { $0.key.generation >= key.generation }
                state.generation = key.generation
            }
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
