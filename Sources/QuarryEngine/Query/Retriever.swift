import Foundation
import QuarryCore
import Tracing

/// The query path (DESIGN.md §5): normalise → cache → embed → dense and BM25 top-k, fused →
/// chunks and their documents → citations → answer, each stage timed.
public struct Retriever: Sendable {
    public let store: any DocumentStore
    public let index: any VectorIndex
    public let embedder: any Embedder
    public let analyzer: TextAnalyzer
    public let cache: QueryCache?
    /// How hybrid retrieval combines dense and BM25 rankings (setting `fusion`, `rrf_k`).
    public let fusion: Fusion
    /// The index's write count, part of every cache key.
    public let generation: @Sendable () -> Int
    /// Writes `answer: "llm"` answers; without one that mode is refused.
    public let llm: LLMAnswerer?

    public init(store: any DocumentStore, index: any VectorIndex, embedder: any Embedder, analyzer: TextAnalyzer = TextAnalyzer(),
                cache: QueryCache? = QueryCache(), fusion: Fusion = .standard, llm: LLMAnswerer? = nil,
                generation: @escaping @Sendable () -> Int) {
        self.store = store
        self.index = index
        self.embedder = embedder
        self.analyzer = analyzer
        self.cache = cache
        self.fusion = fusion
        self.llm = llm
        self.generation = generation
    }

    /// The best answer this server writes: the language model's when one is configured, else extractive.
    public var groundedAnswer: QueryRequest.AnswerMode { llm == nil ? .extractive : .llm }

    /// Whitespace collapsed and trimmed: the same question typed twice is one cache entry.
    static func normalise(_ query: String) -> String {
        query.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A request that passed ``validate(_:tenant:)``, with its query normalised.
    public struct ValidatedQuery: Sendable {
        public let request: QueryRequest
        public let tenant: String
        let text: String
    }

    /// Refuses what cannot be answered before any work is done (and before a stream is opened):
    /// each ``QueryError`` says what to change.
    public func validate(_ request: QueryRequest, tenant: String) async throws -> ValidatedQuery {
        // Counted as the API documents it (JSON Schema's maxLength: code points), before any change.
        let length = request.query.unicodeScalars.count
        guard length <= QueryRequest.maxQueryCharacters else { throw QueryError.queryTooLong(length) }
        let text = Self.normalise(request.query)
        guard !text.isEmpty else { throw QueryError.emptyQuery }
        guard (1...QueryRequest.maxTopK).contains(request.topK) else { throw QueryError.topK(request.topK) }
        guard request.answer != .llm || llm != nil else { throw QueryError.answerModeUnavailable(request.answer.rawValue) }
        try Self.checkFilters(request.metadata)
        if let ids = request.documentIds, ids.count > QueryRequest.maxDocumentIds { throw QueryError.tooManyDocuments(ids.count) }
        if let ids = request.documentIds, !ids.isEmpty {
            let known = Set(try await store.labels(Array(Set(ids)), tenant: tenant).map(\.id))
            let unknown = ids.filter { !known.contains($0) }
            guard unknown.isEmpty else { throw QueryError.unknownDocuments(unknown) }
        }
        return ValidatedQuery(request: request, tenant: tenant, text: text)
    }

    static func checkFilters(_ filters: [String: String]) throws(QueryError) {
        guard filters.count <= QueryRequest.maxFilters else {
            throw .filters("filters has \(filters.count) pairs; at most \(QueryRequest.maxFilters) are accepted")
        }
        for (key, value) in filters {
            guard key.unicodeScalars.count <= QueryRequest.maxFilterKeyCharacters else {
                throw .filters("a filter key is \(key.unicodeScalars.count) characters long; at most \(QueryRequest.maxFilterKeyCharacters) are accepted")
            }
            guard value.unicodeScalars.count <= QueryRequest.maxFilterValueCharacters else {
                throw .filters("the value of filter \"\(key)\" is \(value.unicodeScalars.count) characters long; at most \(QueryRequest.maxFilterValueCharacters) are accepted")
            }
        }
    }

    /// Validates and answers `request` within `tenant`.
    public func query(
        _ request: QueryRequest, tenant: String, events: (@Sendable (QueryEvent) async -> Void)? = nil
    ) async throws -> QueryResponse {
        try await query(try await validate(request, tenant: tenant), events: events)
    }

    /// Answers a validated query. `events`, when given, hears the retrieved sources as soon as they
    /// are known and then the answer's text as it is written. With a tracer, a span `query` holds
    /// a span per stage (``QueryStages``).
    public func query(_ validated: ValidatedQuery, events: (@Sendable (QueryEvent) async -> Void)? = nil) async throws -> QueryResponse {
        guard QueryStages.tracing else { return try await answer(validated, events: events, traced: false) }
        return try await withSpan("query") { span in
            span.attributes["quarry.query.mode"] = validated.request.mode.rawValue
            span.attributes["quarry.query.answer"] = validated.request.answer.rawValue
            span.attributes["quarry.query.top_k"] = validated.request.topK
            let response = try await answer(validated, events: events, traced: true)
            span.attributes["quarry.query.cached"] = response.cached
            return response
        }
    }

    private func answer(_ validated: ValidatedQuery, events: (@Sendable (QueryEvent) async -> Void)?, traced: Bool) async throws -> QueryResponse {
        let (request, tenant, text) = (validated.request, validated.tenant, validated.text)
        let clock = ContinuousClock()
        let start = clock.now
        var timings: [String: Double] = [:]
        var lap = start
        var stages = QueryStages(traced: traced)
        /// Ends a stage: its time in `timings`, and its span.
        func time(_ stage: String) {
            let now = clock.now
            timings[stage] = (now - lap).milliseconds
            lap = now
            stages.end(stage)
        }

        let key = QueryCache.key(tenant: tenant, request: request, normalised: text, generation: generation())
        if let cached = cache?.lookup(key) {
            var response = cached
            response.cached = true
            response.timings = ["cache": (clock.now - start).milliseconds, "total": (clock.now - start).milliseconds]
            await events?(.retrieved(citations: response.citations, hits: response.hits))
            if let answer = response.answer { await events?(.answerText(answer.text)) }
            return response
        }
        time("cache")

        let terms = analyzer.terms(text)
        let vector = request.mode == .sparse ? [] : try await embedder.embed([text]).vectors[0]
        time("embed")
        let found = try await index.search(IndexQuery(
            tenant: tenant, mode: request.mode, vector: vector, terms: terms, limit: request.topK, fusion: fusion,
            documentIds: request.documentIds.map(Set.init), metadata: request.metadata
        ))
        time("search")

        let chunks = Dictionary(try await store.chunks(found.map(\.chunkId), tenant: tenant).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let labels = Dictionary(try await store.labels(Array(Set(found.map(\.documentId))), tenant: tenant).map { ($0.id, $0) },
                                uniquingKeysWith: { a, _ in a })
        time("load")
        var hits: [QueryHit] = []
        var citations: [Citation] = []
        let wanted = Set(terms)
        var seen: [String: Bool] = [:]  // word → whether it is a query term, across the snippets
        for hit in found {
            guard let chunk = chunks[hit.chunkId] else { continue }  // deleted between search and read
            let label = labels[hit.documentId]
            hits.append(QueryHit(chunkId: chunk.id, documentId: chunk.documentId, title: label?.title, score: hit.score, text: chunk.text,
                                 headingPath: chunk.headingPath, pageStart: chunk.pageStart, pageEnd: chunk.pageEnd))
            let span = chunk.spans.first ?? Chunk.Span(page: chunk.pageStart, start: 0, end: 0)
            citations.append(Citation(
                number: citations.count + 1, documentId: chunk.documentId, title: label?.title, source: label?.source ?? "",
                page: span.page, charStart: span.start, charEnd: span.end, snippet: Snippet.mark(chunk.text, terms: wanted, analyzer: analyzer, seen: &seen),
                score: hit.score, boxes: chunk.boxes.filter { $0.page == span.page }
            ))
        }
        time("citations")
        await events?(.retrieved(citations: citations, hits: hits))

        let answer: Answer?
        switch request.answer {
        case .none:
            answer = nil
        case .extractive:
            let extracted = ExtractiveAnswerer(analyzer: analyzer).answer(query: terms, hits: zip(hits, citations).map { ($0.text, $1.number) })
            await events?(.answerText(extracted.text))
            answer = extracted
        case .llm:
            let sources = zip(hits, citations).map { (number: $1.number, title: $0.title, text: $0.text) }
            answer = try await llm?.answer(query: text, hits: sources) { await events?(.answerText($0)) }
        }
        time("answer")
        timings["total"] = (clock.now - start).milliseconds
        let response = QueryResponse(query: text, answer: answer, citations: citations, hits: hits, timings: timings, cached: false)
        cache?.store(response, for: key)
        return response
    }
}
