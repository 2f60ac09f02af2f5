import Foundation
import QuarryCore
import QuarryEmbedding
import QuarryParsing
import QuarryTestSupport
import Testing

/// What every chunk of every document must satisfy, whatever the layout.
@Suite("Chunk invariants over the shared corpora", .enabled(if: SharedData.isAvailable, "\(SharedData.missingReason)"))
struct ChunkInvariantTests {
    static let tokenizer = try! WordPieceTokenizer(vocabularyFile: ModelFiles.directory + "/vocab.txt")

    static var htmlFiles: [String] {
        let root = SharedData.path("corpora/html")
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".html") || $0.hasSuffix(".htm") }.sorted()
    }

    @Test("PDF chunks: spans reproduce the text, boxes lie inside the page, sizes within the budget", arguments: CorpusPDF.all)
    func pdfChunks(_ pdf: CorpusPDF) throws {
        let document = try ParsedCorpus.document(pdf)
        try Self.check(document, chunks: Chunker(counter: Self.tokenizer).chunks(of: document))
    }

    @Test("HTML chunks: spans reproduce the text, sizes within the budget", arguments: htmlFiles)
    func htmlChunks(_ file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("corpora/html/\(file)")))
        let document = try DocumentParser.parse(data, tenant: "t", filename: file)
        #expect(document.status == .parsed)
        try Self.check(document, chunks: Chunker(counter: Self.tokenizer).chunks(of: document))
    }

    static func check(_ document: Document, chunks: [Chunk]) throws {
        let pages = Dictionary(uniqueKeysWithValues: document.pages.map { ($0.number, $0) })
        let budget = ChunkerOptions().maxTokens - 2
        if document.pages.contains(where: { $0.hasTextLayer && $0.text.contains(where: \.isLetter) }) { #expect(!chunks.isEmpty) }
        for chunk in chunks {
            #expect(!chunk.spans.isEmpty)
            let texts = try chunk.spans.map { span in
                let page = try #require(pages[span.page])
                let scalars = Array(page.text.unicodeScalars)
                try #require(span.start >= 0 && span.start < span.end && span.end <= scalars.count, "span \(span) outside page \(span.page)")
                return String(String.UnicodeScalarView(scalars[span.start..<span.end]))
            }
            #expect(texts.joined(separator: "\n") == chunk.text, "chunk \(chunk.ordinal) of \(document.source.uri)")
            #expect(chunk.tokenCount == tokenizer.countTokens(chunk.text))
            #expect(chunk.tokenCount <= budget, "chunk \(chunk.ordinal) has \(chunk.tokenCount) tokens")
            #expect(chunk.pageStart == chunk.spans.first?.page && chunk.pageEnd == chunk.spans.last?.page)
            for box in chunk.boxes {
                let page = try #require(pages[box.page])
                let width = try #require(page.width), height = try #require(page.height)
                #expect(box.x0 >= -1 && box.y0 >= -1 && box.x1 <= width + 1 && box.y1 <= height + 1 && box.x0 <= box.x1 && box.y0 <= box.y1,
                        "box \(box) outside page \(box.page) (\(width)x\(height))")
            }
            if document.source.mediaType == .pdf { #expect(!chunk.boxes.isEmpty, "PDF chunk \(chunk.ordinal) without boxes") }
        }
        #expect(Set(chunks.map(\.id)).count == chunks.count, "chunk ids must be unique")
        #expect(chunks.map(\.ordinal) == Array(0..<chunks.count))
    }

    @Test("chunking is deterministic: the same bytes give the same chunk ids")
    func deterministic() throws {
        let pdf = try #require(CorpusPDF.all.first { $0.file == "layout-parser-paper-fast.pdf" })
        let data = try Data(contentsOf: URL(fileURLWithPath: pdf.path))
        let first = Chunker(counter: Self.tokenizer).chunks(of: try DocumentParser.parse(data, tenant: "t"))
        let second = Chunker(counter: Self.tokenizer).chunks(of: try DocumentParser.parse(data, tenant: "t"))
        #expect(first == second)
    }
}
