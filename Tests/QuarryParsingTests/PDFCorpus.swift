import Foundation
import QuarryCore
import QuarryParsing
import QuarryTestSupport
import Testing

/// The PDFs of `../shared/corpora/pdf`, as MANIFEST.tsv describes them.
struct CorpusPDF: CustomTestStringConvertible, Sendable {
    let file: String
    let notes: String

    var path: String { SharedData.path("corpora/pdf/\(file)") }
    var isScanned: Bool { notes.lowercased().contains("scanned") }
    /// The user password MANIFEST.tsv gives for an encrypted file.
    var password: String? {
        guard notes.contains("ENCRYPTED"), let match = notes.firstMatch(of: /user password ""?([^"]+)""?/) else { return nil }
        return String(match.1)
    }
    var testDescription: String { file }

    static let all: [CorpusPDF] = {
        guard let manifest = try? String(contentsOfFile: SharedData.path("corpora/pdf/MANIFEST.tsv"), encoding: .utf8) else { return [] }
        return manifest.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 7, fields[0].hasSuffix(".pdf") else { return nil }
            return CorpusPDF(file: fields[0], notes: fields[6])
        }
    }()
}

/// The shared PDFs parsed once per test run (parsing all of them takes seconds), keyed by file name.
enum ParsedCorpus {
    static let documents: [String: Result<Document, DocumentError>] = {
        var result: [String: Result<Document, DocumentError>] = [:]
        for pdf in CorpusPDF.all {
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: pdf.path)) else { continue }
            result[pdf.file] = Result { () throws(DocumentError) in
                try DocumentParser.parse(data, tenant: "t", filename: pdf.file, password: pdf.password)
            }
        }
        return result
    }()

    static func document(_ pdf: CorpusPDF) throws -> Document {
        try #require(documents[pdf.file]).get()
    }
}

/// Words for comparing two extractions: NFKC (ligatures), lower-cased, split at anything not a letter or digit.
func comparableWords(_ text: String) -> [String] {
    text.precomposedStringWithCompatibilityMapping.lowercased()
        .split { !($0.isLetter || $0.isNumber) }
        .map(String.init)
}

/// Dice similarity of two word multisets: 1 when they hold the same words, 0 when they share none.
func wordSimilarity(_ a: [String], _ b: [String]) -> Double {
    if a.isEmpty && b.isEmpty { return 1 }
    var counts: [String: Int] = [:]
    for word in a { counts[word, default: 0] += 1 }
    var shared = 0
    for word in b where (counts[word] ?? 0) > 0 {
        counts[word]! -= 1
        shared += 1
    }
    return 2 * Double(shared) / Double(a.count + b.count)
}
