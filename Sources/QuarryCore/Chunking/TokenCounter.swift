/// Counts the tokens the embedding model will see for a text, without the special tokens
/// (`[CLS]`, `[SEP]`) it adds around a whole input. The chunker sizes chunks with it.
public protocol TokenCounter: Sendable {
    /// Works on Unicode scalars, the chunker's unit, so no String is built just to be counted.
    func countTokens(_ scalars: ArraySlice<Unicode.Scalar>) -> Int
}

extension TokenCounter {
    public func countTokens(_ text: some StringProtocol) -> Int {
        countTokens(Array(text.unicodeScalars)[...])
    }
}
