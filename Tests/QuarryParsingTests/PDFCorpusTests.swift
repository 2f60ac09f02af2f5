import Foundation
import QuarryCore
import QuarryEmbedding
import QuarryParsing
import QuarryTestSupport
import Testing

/// Every PDF in the shared corpus against poppler's own command-line tools.
@Suite("PDF corpus against pdfinfo and pdftotext", .enabled(if: SharedData.isAvailable, "\(SharedData.missingReason)"))
struct PDFCorpusTests {
    /// The least word agreement with `pdftotext` over a document's text pages, and on any one page.
    /// Pages differ where poppler's library text and pdftotext treat figure labels, duplicated
    /// glyphs or table cells differently (GeoTopo page 40: pdftotext repeats 28 one-letter labels).
    static let minimumDocumentSimilarity = 0.97
    static let minimumPageSimilarity = 0.90
    /// Files where pdftotext and poppler's library text differ by design, with the bound that holds.
    static let knownDifferences: [String: (bound: Double, why: String)] = [
        "habibi-arabic.pdf": (0.7, "pdftotext prints the Arabic word twice: once more from an overlapping run that poppler's library text skips"),
    ]

    @Test("page count equals pdfinfo's; text pages agree with pdftotext's words", arguments: CorpusPDF.all)
    func agreesWithPoppler(_ pdf: CorpusPDF) throws {
        let document = try ParsedCorpus.document(pdf)

        var info = ["-enc", "UTF-8"]
        if let password = pdf.password { info += ["-upw", password] }
        let pdfinfo = try run("/usr/bin/pdfinfo", info + [pdf.path])
        let pages = try #require(pdfinfo.firstMatch(of: /Pages:\s+(\d+)/).flatMap { Int($0.1) })
        #expect(document.pages.count == pages)

        let reference = try run("/usr/bin/pdftotext", info + [pdf.path, "-"]).components(separatedBy: "\u{0C}")
        var lowest = 1.0
        var ours: [String] = [], theirs: [String] = []
        for page in document.pages where page.hasTextLayer {
            let expected = comparableWords(reference[page.number - 1])
            let found = comparableWords(page.text)
            ours += found
            theirs += expected
            let similarity = wordSimilarity(found, expected)
            lowest = min(lowest, similarity)
            let bound = Self.knownDifferences[pdf.file]?.bound ?? Self.minimumPageSimilarity
            #expect(similarity >= bound, "\(pdf.file) page \(page.number): similarity \(similarity)")
        }
        let overall = wordSimilarity(ours, theirs)
        let bound = Self.knownDifferences[pdf.file]?.bound ?? Self.minimumDocumentSimilarity
        #expect(overall >= bound, "\(pdf.file): similarity \(overall)")
        print("\(pdf.file): \(pages) pages, similarity to pdftotext \(String(format: "%.4f", overall)), lowest page \(String(format: "%.4f", lowest))")
    }

    @Test("scanned PDFs end needs_ocr, the others are parsed", arguments: CorpusPDF.all)
    func status(_ pdf: CorpusPDF) throws {
        let document = try ParsedCorpus.document(pdf)
        #expect(document.status == (pdf.isScanned ? .needsOCR : .parsed))
        if pdf.isScanned { #expect(document.error?.contains("OCR") == true) }
    }

    @Test("the encrypted PDF opens with its password and fails clearly without")
    func encrypted() throws {
        let pdf = try #require(CorpusPDF.all.first { $0.password != nil })
        let data = try Data(contentsOf: URL(fileURLWithPath: pdf.path))
        #expect(throws: DocumentError.encrypted) { try DocumentParser.parse(data, tenant: "t") }
        #expect(throws: DocumentError.wrongPassword) { try DocumentParser.parse(data, tenant: "t", password: "not-it") }
        let document = try DocumentParser.parse(data, tenant: "t", password: pdf.password)
        #expect(document.status == .parsed)
        #expect(!document.pages[0].text.isEmpty)
    }

    @Test("two-column papers read column by column: sentences that wrap stay contiguous", arguments: [
        ("2020.acl-main.447.pdf", "Academic papers are an increasingly important textual domain for natural language processing (NLP) research."),
        ("2020.acl-main.447.pdf", "Different types of resources have been used to support research over academic papers."),
        ("layout-parser-paper-fast.pdf", "LayoutParser provides a unified toolkit to support DL-based document image analysis and processing."),
    ])
    func columns(file: String, sentence: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("corpora/pdf/\(file)")))
        let document = try DocumentParser.parse(data, tenant: "t")
        #expect(document.pages.contains { $0.text.contains(sentence) }, "\(file) lost: \(sentence)")
    }

    @Test("reading pages with two workers gives exactly the pages one worker reads")
    func concurrentPages() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("corpora/pdf/R-FAQ.pdf")))
        let sequential = try DocumentParser.parse(data, tenant: "t", concurrency: 1)
        let parallel = try DocumentParser.parse(data, tenant: "t", concurrency: 2)
        #expect(sequential.pages.count == 52)
        #expect(parallel == sequential)
    }

    @Test("running headers and page numbers are marked as furniture and left out of chunks")
    func furniture() throws {
        let pdf = try #require(CorpusPDF.all.first { $0.file == "debian-reference.en.pdf" })
        let document = try ParsedCorpus.document(pdf)
        var headers = 0
        for page in document.pages {
            let scalars = Array(page.text.unicodeScalars)
            for block in page.blocks where block.kind == .furniture {
                if String(String.UnicodeScalarView(scalars[block.start..<block.end])).contains("Debian Reference") { headers += 1 }
            }
        }
        #expect(headers >= 200, "found \(headers) running headers in 261 pages")
        let tokenizer = try WordPieceTokenizer(vocabularyFile: ModelFiles.directory + "/vocab.txt")
        let chunks = Chunker(counter: tokenizer).chunks(of: document)
        let polluted = chunks.filter { $0.text.contains("Debian Reference\n") || $0.text.hasPrefix("Debian Reference") }
        #expect(polluted.count < chunks.count / 50, "\(polluted.count) of \(chunks.count) chunks carry the running header")
    }

    @Test("metadata and title come from the document information")
    func metadata() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("corpora/pdf/2020.acl-main.447.pdf")))
        let document = try DocumentParser.parse(data, tenant: "t")
        #expect(document.title?.contains("S2ORC") == true)
        #expect(document.metadata["pages"] == "15")
        #expect(document.id == "f83d85b272d5efd7acb01016732d6577260b3b40fa894da16f2d82efc8597ff7")
    }
}
