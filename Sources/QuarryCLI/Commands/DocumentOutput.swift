import Foundation
import QuarryCore

/// How `quarry parse`, `quarry chunk` and `quarry index` print, for people and for programs.
enum DocumentOutput {
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601  // as the API writes dates
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func summary(_ document: Document) -> String {
        let textPages = document.pages.filter(\.hasTextLayer).count
        var lines = [
            "\(document.source.filename ?? document.source.uri): \(document.source.mediaType.displayName), "
                + "\(document.pages.count) page\(document.pages.count == 1 ? "" : "s") (\(textPages) with text), status \(document.status.rawValue)",
            "id     \(document.id)",
        ]
        if let title = document.title { lines.append("title  \(title)") }
        if let error = document.error { lines.append("note   \(error)") }
        return lines.joined(separator: "\n")
    }

    /// Each page's blocks, marked by kind: `#` headings (one per level), `-` list items, `|` tables,
    /// `>` code, `~` running headers, footers and page numbers.
    static func pages(_ document: Document) -> String {
        var lines: [String] = []
        for page in document.pages {
            lines.append("")
            lines.append("--- page \(page.number)\(page.hasTextLayer ? "" : " (no text layer)") ---")
            let text = Array(page.text.unicodeScalars)
            for block in page.blocks {
                let content = String(String.UnicodeScalarView(text[block.start..<min(block.end, text.count)]))
                let marker = switch block.kind {
                case .heading: String(repeating: "#", count: block.level ?? 1) + " "
                case .list: "- "
                case .table: "| "
                case .code: "> "
                case .paragraph: ""
                case .furniture: "~ "
                }
                lines.append(marker + content.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: marker.count)))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func chunks(_ chunks: [Chunk]) -> String {
        chunks.map { chunk in
            let pages = chunk.pageStart == chunk.pageEnd ? "p. \(chunk.pageStart)" : "pp. \(chunk.pageStart)-\(chunk.pageEnd)"
            let path = chunk.headingPath.isEmpty ? "" : ", " + chunk.headingPath.joined(separator: " > ")
            return "[\(chunk.ordinal)] \(pages), \(chunk.tokenCount) tokens\(path)\n\(chunk.text)"
        }.joined(separator: "\n\n")
    }
}
