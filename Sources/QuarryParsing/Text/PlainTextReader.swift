import Foundation
import QuarryCore

/// Plain text (`.txt`): decoded as HTML bytes are (byte-order mark, else UTF-8, else
/// windows-1252), line ends made `\n`, one page whose paragraphs are separated by blank lines.
enum PlainTextReader {
    static func parse(_ data: Data) throws(DocumentError) -> ParsedDocument {
        guard let decoded = TextEncodingDetector.decode(data) else { throw .malformed("the text is in no known encoding") }
        let text = decoded.text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return ParsedDocument(
            mediaType: .plainText, title: nil, metadata: ["encoding": decoded.encoding],
            pages: [Page(number: 1, text: text, blocks: paragraphs(text))]
        )
    }

    /// Runs of non-blank lines, as scalar ranges of `text`, trimmed of surrounding spaces.
    static func paragraphs(_ text: String) -> [TextBlock] {
        let scalars = Array(text.unicodeScalars)
        var blocks: [TextBlock] = []
        var start: Int?
        var lastNonSpace = 0
        var index = 0
        func close() {
            if let first = start { blocks.append(TextBlock(kind: .paragraph, start: first, end: lastNonSpace + 1)) }
            start = nil
        }
        while index < scalars.count {
            if scalars[index] == "\n" {
                // A blank line (only spaces up to the next newline) ends the paragraph.
                var next = index + 1
                while next < scalars.count, scalars[next] == " " || scalars[next] == "\t" { next += 1 }
                if next >= scalars.count || scalars[next] == "\n" { close() }
            } else if !scalars[index].properties.isWhitespace {
                if start == nil { start = index }
                lastNonSpace = index
            }
            index += 1
        }
        close()
        return blocks
    }
}
