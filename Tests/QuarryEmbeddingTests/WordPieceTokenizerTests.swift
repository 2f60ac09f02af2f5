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

    /// Every line of a few real files (HTML markup and prose: punctuation, numbers, URLs, long
    /// words) and a set of hard cases, against Hugging Face's own tokenizer run at test time.
    @Test("token ids equal Hugging Face tokenizers' on real text and hard cases")
    func huggingFaceParity() throws {
        let files = ["corpora/html/python-tutorial-appendix.html", "README.md", "Docs/ARCHITECTURE.md"]
        var texts = try files.flatMap { file in
            try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").map(String.init)
        }
        texts += [
            "Naïve CAFÉ déjà-vu", "日本語のテキスト", "Ünïcödé—dashes “quotes” …", "e-mail: a.b@c.org, x=1;y=2",
            String(repeating: "a", count: 100), String(repeating: "b", count: 101), "supercalifragilisticexpialidocious",
            "\u{0}\u{7F}tab\there\u{200B}zero width", "ＦＵＬＬＷＩＤＴＨ ﬁ ligature", "mixed ASCIIé word", "before[SEP]after [mask] [MASK]x [UNK", "",
        ]
        let tokenizer = try WordPieceTokenizer(vocabularyFile: Self.vocabulary)
        let input = try texts.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        let peer = repositoryRoot.appendingPathComponent("Tests/QuarryEmbeddingTests/Peers/wordpiece_peer.py").path
        let result = try execute(Venv.python, [peer, ModelFiles.directory, "256"], input: input)
        try #require(result.status == 0, "\(result.standardError)")
        let expected = try result.standardOutput.split(separator: "\n").map { try JSONDecoder().decode([Int32].self, from: Data($0.utf8)) }
        try #require(expected.count == texts.count)
        var mismatches = 0
        for (text, ids) in zip(texts, expected) where tokenizer.encode(text, maxLength: 256) != ids {
            mismatches += 1
            Issue.record("differs from Hugging Face: \(text.prefix(80))")
        }
        #expect(texts.count > 500 && mismatches == 0)
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
