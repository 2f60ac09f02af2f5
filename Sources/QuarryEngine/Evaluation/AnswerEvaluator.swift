import Foundation
import QuarryCore

/// Answers with citations, measured on a SQuAD-style set (`passages.jsonl`: `_id`, `title`,
/// `text`; `questions.jsonl`: `question`, `gold_passage_id`, `answers`, `is_impossible`): every
/// passage indexed as ingest would, every question asked as `POST /api/v1/rag/query` is.
public struct AnswerEvaluator: Sendable {
    public let indexer: ChunkIndexer
    public let store: any DocumentStore
    public let retriever: Retriever
    public static let tenant = "evaluation"

    public init(indexer: ChunkIndexer, store: any DocumentStore, retriever: Retriever) {
        self.indexer = indexer
        self.store = store
        self.retriever = retriever
    }

    public struct Question: Sendable, Decodable {
        let id: String
        let question: String
        let goldPassageId: String?
        let answers: [String]
        let isImpossible: Bool

        enum CodingKeys: String, CodingKey {
            case id, question, answers, goldPassageId = "gold_passage_id", isImpossible = "is_impossible"
        }
    }

    public struct Result: Sendable, Codable {
        public var answerable: Int
        public var unanswerable: Int
        /// Answerable questions whose gold passage is among the citations.
        public var goldCited: Double
        /// Answerable questions whose answer contains one of the gold answers (case and spacing ignored).
        public var answerContainsGold: Double
        /// Unanswerable questions answered "no answer found".
        public var abstained: Double
        /// Answerable questions answered "no answer found" (the cost of abstaining).
        public var abstainedWrongly: Double
        public var passages: Int
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case answerable, unanswerable, passages, seconds, goldCited = "gold_cited", answerContainsGold = "answer_contains_gold"
            case abstained = "abstained_unanswerable", abstainedWrongly = "abstained_answerable"
        }
    }

    public static func load(directory: String) throws -> ([BEIRDataset.Passage], [Question]) {
        let passages: [BEIRDataset.Passage] = try BEIRDataset.jsonLines(directory + "/passages.jsonl")
        let questions: [Question] = try BEIRDataset.jsonLines(directory + "/questions.jsonl")
        return (passages, questions)
    }

    public func evaluate(name: String, passages: [BEIRDataset.Passage], questions: [Question],
                         progress: @Sendable (String, Int, Int) -> Void = { _, _, _ in }) async throws -> Result {
        let start = ContinuousClock.now
        for (index, passage) in passages.enumerated() {
            let document = passage.document(tenant: Self.tenant, collection: name)
            let chunks = indexer.chunker.chunks(of: document)
            try await store.save(DocumentRecord(id: document.id, tenant: Self.tenant, source: document.source, title: document.title,
                                                status: .indexed, chunks: chunks.count, chunksIndexed: chunks.count))
            try await store.saveChunks(chunks, document: document.id, tenant: Self.tenant)
            try await indexer.index(chunks, metadata: [:])
            progress("indexing", index + 1, passages.count)
        }
        var answerable = 0, unanswerable = 0, cited = 0, contains = 0, abstained = 0, abstainedWrongly = 0
        for (index, question) in questions.enumerated() {
            let response = try await retriever.query(QueryRequest(query: question.question, topK: 5, answer: .extractive), tenant: Self.tenant)
            let found = response.answer?.found ?? false
            if question.isImpossible {
                unanswerable += 1
                if !found { abstained += 1 }
            } else {
                answerable += 1
                if response.citations.contains(where: { $0.documentId == question.goldPassageId }) { cited += 1 }
                if !found { abstainedWrongly += 1 }
                let answer = Self.normalised(response.answer?.text ?? "")
                if found, question.answers.contains(where: { !$0.isEmpty && answer.contains(Self.normalised($0)) }) { contains += 1 }
            }
            progress("asking", index + 1, questions.count)
        }
        func rate(_ count: Int, _ total: Int) -> Double { total == 0 ? 0 : Double(count) / Double(total) }
        return Result(answerable: answerable, unanswerable: unanswerable, goldCited: rate(cited, answerable),
                      answerContainsGold: rate(contains, answerable), abstained: rate(abstained, unanswerable),
                      abstainedWrongly: rate(abstainedWrongly, answerable), passages: passages.count, seconds: (ContinuousClock.now - start).seconds)
    }

    static func normalised(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
