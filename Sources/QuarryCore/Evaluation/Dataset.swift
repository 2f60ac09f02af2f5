import Foundation

/// An evaluation dataset kept by Quarry (DESIGN.md §2, §7): a BEIR-format set of files
/// (`corpus.jsonl`, `queries.jsonl`, `qrels/test.tsv`) under a name, with its sizes, for
/// evaluation runs to start on.
public struct Dataset: Sendable, Codable, Equatable {
    public var id: String
    public var tenant: String
    public var name: String
    /// The files' layout; `beir` is the one Quarry reads.
    public var format: String
    public var documents: Int
    public var queries: Int
    /// Relevance judgements (qrels lines).
    public var judgements: Int
    /// The names of its files, e.g. `corpus.jsonl`, `qrels/test.tsv`.
    public var files: [String]
    public var createdAt: Date

    public init(id: String, tenant: String, name: String, format: String = "beir", documents: Int, queries: Int, judgements: Int, files: [String],
                createdAt: Date = Date()) {
        self.id = id
        self.tenant = tenant
        self.name = name
        self.format = format
        self.documents = documents
        self.queries = queries
        self.judgements = judgements
        self.files = files
        self.createdAt = createdAt
    }
}
