import Foundation
import QuarryCore
import QuarryEngine

/// Tool results as text for a language model to read: the numbers, documents and pages it needs to
/// cite, in plain lines. Programs read the same result's structured content instead.
enum MCPText {
    static func name(_ record: DocumentRecord) -> String {
        record.title ?? record.source.filename ?? record.source.uri
    }

    /// `[n] title — page p, characters a–b (document id)` and the passage, per hit.
    static func hits(_ response: QueryResponse) -> String {
        guard !response.hits.isEmpty else { return "No passage matches \"\(response.query)\"." }
        return zip(response.citations, response.hits).map { citation, hit in
            "\(heading(citation))\n\(hit.text)"
        }.joined(separator: "\n\n")
    }

    /// The answer, then its sources.
    static func answer(_ response: QueryResponse) -> String {
        let text = response.answer?.text ?? Answer.notFound
        guard !response.citations.isEmpty else { return text }
        return text + "\n\nSources:\n" + response.citations.map(heading).joined(separator: "\n")
    }

    static func documents(_ records: [DocumentRecord], offset: Int) -> String {
        guard !records.isEmpty else { return offset == 0 ? "No documents are indexed yet." : "No more documents." }
        return records.map { record in
            "\(record.id)  \(name(record))  (\(record.status.rawValue), \(record.pages) page\(record.pages == 1 ? "" : "s"), \(record.source.uri))"
        }.joined(separator: "\n")
    }

    static func pages(_ pages: [Page], of record: DocumentRecord) -> String {
        pages.map { "— \(name(record)), page \($0.number) —\n\($0.text)" }.joined(separator: "\n\n")
    }

    private static func heading(_ citation: Citation) -> String {
        "[\(citation.number)] \(citation.title ?? citation.source) — page \(citation.page), characters \(citation.charStart)–\(citation.charEnd) (document \(citation.documentId))"
    }
}
