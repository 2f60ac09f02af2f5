import Foundation
import QuarryCore
import QuarryEmbedding
import QuarryParsing
import QuarryTestSupport
import Testing

/// Chunks of a few documents compared with files reviewed by hand (Tests/QuarryParsingTests/Golden).
/// After a deliberate change, regenerate with QUARRY_UPDATE_GOLDEN=1 and review the diff like code.
@Suite("Golden chunk files")
struct GoldenChunkTests {
    static let directory = repositoryRoot.appendingPathComponent("Tests/QuarryParsingTests/Golden")

    /// What a golden file holds: the chunk without its boxes (covered by the invariant tests).
    struct GoldenChunk: Codable, Equatable {
        let ordinal: Int
        let headingPath: [String]
        let pageStart: Int
        let pageEnd: Int
        let spans: [Chunk.Span]
        let tokenCount: Int
        let text: String
    }

    @Test("chunks match their golden file", arguments: ["pdf/multicolumn.pdf", "html/python-tutorial-appendix.html"])
    func golden(_ file: String) throws {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("corpora/\(file)"))
        let document = try DocumentParser.parse(data, tenant: "t", filename: URL(fileURLWithPath: file).lastPathComponent)
        let tokenizer = try WordPieceTokenizer(vocabularyFile: ModelFiles.directory + "/vocab.txt")
        let chunks = Chunker(counter: tokenizer).chunks(of: document).map {
            GoldenChunk(ordinal: $0.ordinal, headingPath: $0.headingPath, pageStart: $0.pageStart, pageEnd: $0.pageEnd,
                        spans: $0.spans, tokenCount: $0.tokenCount, text: $0.text)
        }
        let golden = Self.directory.appendingPathComponent(URL(fileURLWithPath: file).lastPathComponent + ".chunks.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if ProcessInfo.processInfo.environment["QUARRY_UPDATE_GOLDEN"] == "1" {
            try encoder.encode(chunks).write(to: golden)
        }
        let expected = try JSONDecoder().decode([GoldenChunk].self, from: Data(contentsOf: golden))
        #expect(chunks.count == expected.count)
        for (chunk, reference) in zip(chunks, expected) {
            #expect(chunk == reference, "chunk \(chunk.ordinal) of \(file) differs from \(golden.lastPathComponent)")
        }
    }
}
