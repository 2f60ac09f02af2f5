/// How documents are cut into chunks.
public struct ChunkerOptions: Sendable, Equatable {
    /// The largest model input, special tokens included: all-MiniLM-L6-v2 reads 256 tokens
    /// (sentence-transformers' `max_seq_length`), so no chunk is ever truncated when embedded.
    public var maxTokens: Int
    /// Tokens of the previous chunk repeated at the start of the next when a section is cut
    /// mid-paragraph, whole sentences only, so a sentence near the cut is found from either side.
    public var overlapTokens: Int

    public init(maxTokens: Int = 256, overlapTokens: Int = 32) {
        self.maxTokens = maxTokens
        self.overlapTokens = overlapTokens
    }

    /// Room for text once `[CLS]` and `[SEP]` are counted.
    var textBudget: Int { max(1, maxTokens - 2) }
}
