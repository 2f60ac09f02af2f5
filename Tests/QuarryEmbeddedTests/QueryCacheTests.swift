import Foundation
@testable import QuarryEngine
import Synchronization
import Testing

@Suite("query cache")
struct QueryCacheTests {
    static func response(_ query: String) -> QueryResponse {
        QueryResponse(query: query, answer: nil, citations: [], hits: [], timings: [:], cached: false)
    }

    @Test("least recently used entries go first once the bound is reached; the hit ratio counts every lookup")
    func leastRecentlyUsed() {
        let cache = QueryCache(capacity: 2)
        let (a, b, c) = (Self.key("a"), Self.key("b"), Self.key("c"))
        cache.store(Self.response("a"), for: a)
        cache.store(Self.response("b"), for: b)
        #expect(cache.lookup(a)?.query == "a")  // now "b" is the least recently used
        cache.store(Self.response("c"), for: c)
        #expect(cache.count == 2)
        #expect(cache.lookup(b) == nil)
        #expect(cache.lookup(a)?.query == "a" && cache.lookup(c)?.query == "c")
        #expect(cache.hitRatio == 0.75)
    }

    @Test("the first answer stored after a write drops every entry of older generations; one answered before it is not stored")
    func staleGenerations() {
        let cache = QueryCache(capacity: 100)
        for question in ["a", "b", "c"] { cache.store(Self.response(question), for: Self.key(question, generation: 1)) }
        #expect(cache.count == 3)
        cache.store(Self.response("a"), for: Self.key("a", generation: 2))
        #expect(cache.count == 1, "the three of generation 1 can never be hit again")
        #expect(cache.lookup(Self.key("a", generation: 2))?.query == "a")
        cache.store(Self.response("late"), for: Self.key("late", generation: 1))
        #expect(cache.count == 1 && cache.lookup(Self.key("late", generation: 1)) == nil)
    }

    static func key(_ question: String, generation: Int = 0) -> QueryCache.Key {
        QueryCache.key(tenant: "acme", request: QueryRequest(query: question, topK: 5, answer: .none), normalised: question, generation: generation)
    }

    @Test("a key changes with the index generation, the tenant and the parameters, not with the query's spacing")
    func keys() {
        let request = QueryRequest(query: "Tides?", topK: 5, answer: .none)
        let key = QueryCache.key(tenant: "acme", request: request, normalised: Retriever.normalise(request.query), generation: 7)
        #expect(key == QueryCache.key(tenant: "acme", request: QueryRequest(query: "  Tides? ", topK: 5, answer: .none),
                                      normalised: Retriever.normalise("  Tides? "), generation: 7))
        #expect(key != QueryCache.key(tenant: "acme", request: request, normalised: Retriever.normalise(request.query), generation: 8))
        #expect(key != QueryCache.key(tenant: "globex", request: request, normalised: Retriever.normalise(request.query), generation: 7))
        #expect(key != QueryCache.key(tenant: "acme", request: QueryRequest(query: "Tides?", topK: 6, answer: .none),
                                      normalised: Retriever.normalise(request.query), generation: 7))
    }

    @Test("with shared back ends the generation also moves every max age, so another process's write shows within it")
    func sharedGeneration() {
        let writes = Mutex(0), clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        let generation = QueryCache.sharedGeneration(local: { writes.withLock { $0 } }, maxAge: .seconds(5), now: { clock.withLock { $0 } })
        let first = generation()
        clock.withLock { $0 += 4.9 }
        #expect(generation() == first, "within the same five seconds")
        clock.withLock { $0 += 0.2 }
        let later = generation()
        #expect(later != first, "five seconds on")
        writes.withLock { $0 += 1 }
        #expect(generation() != later, "this process's own write")
    }
}
