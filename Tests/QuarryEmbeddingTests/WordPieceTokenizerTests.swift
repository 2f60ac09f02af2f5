import Foundation
import QuarryEmbedding
import QuarryTestSupport
import Testing

/// The tokenizer against the token ids sentence-transformers produced for the reference sentences.
@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
    static let vocabulary = ModelFiles.directory + "/vocab.txt"

    @Test("token ids equal sentence-transformers' for the reference sentences", .enabled(if: SharedData.isAvailable, "\(SharedData.missingReason)"))
    func referenceParity() throws {
        struct Reference: Decodable { let sentences: [String]; let token_ids: [[Int32]]; let max_seq_length: Int }
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("reference/minilm-l6-v2-reference-embeddings.json")))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        let tokenizer = try WordPieceTokenizer(vocabularyFile: Self.vocabulary)
        for (sentence, expected) in zip(reference.sentences, reference.token_ids) {
            #expect(tokenizer.encode(sentence, maxLength: reference.max_seq_length) == expected, "\(sentence.prefix(60))")
        }
    }

    @Test("pieces: lower-casing, accents, punctuation, continuations, CJK, unknown words")
    func pieces() throws {
        let tokenizer = try WordPieceTokenizer(vocabularyFile: Self.vocabulary)
        #expect(tokenizer.pieces("Hello, World!") == ["hello", ",", "world", "!"])
        #expect(tokenizer.pieces("Naïve CAFÉ") == ["naive", "cafe"])
        #expect(tokenizer.pieces("tokenization") == ["token", "##ization"])
        #expect(tokenizer.pieces("日本") == ["日", "本"])
        #expect(tokenizer.pieces("\u{0}\u{FFFD}a\u{200B}b") == ["ab"])
        #expect(tokenizer.pieces(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(tokenizer.countTokens("Hello, World!") == 4)
    }

    @Test("truncation keeps [CLS] and [SEP] within the limit")
    func truncation() throws {
        let tokenizer = try WordPieceTokenizer(vocabularyFile: Self.vocabulary)
        let ids = tokenizer.encode(String(repeating: "word ", count: 1000), maxLength: 16)
        #expect(ids.count == 16)
        #expect(ids.first == tokenizer.classifierID && ids.last == tokenizer.separatorID)
    }

    @Test("a missing vocabulary is a clear error")
    func missingVocabulary() {
        #expect(throws: WordPieceTokenizer.LoadError.self) { try WordPieceTokenizer(vocabularyFile: "/nonexistent/vocab.txt") }
    }
}
