/// Counts the tokens the embedding model will see for a text, without the special tokens
/// (`[CLS]`, `[SEP]`) it adds around a whole input. The chunker sizes chunks with it.
public protocol TokenCounter: Sendable {
    func countTokens(_ text: Substring) -> Int
}
