import CLibXML2
import Foundation
import QuarryCore

/// Reads HTML through libxml2's forgiving HTML parser into one page of blocks: headings (with their
/// level), paragraphs, list items, tables (a row per line, cells separated by " | ") and `pre` blocks
/// kept verbatim. Scripts, styles, navigation, headers, footers and hidden elements are dropped.
public enum HTMLReader {
    public static func parse(_ data: Data) throws(DocumentError) -> ParsedDocument {
        guard !data.isEmpty else { throw .empty }
        guard let decoded = TextEncodingDetector.decode(data) else { throw .malformed("the text encoding cannot be determined") }
        let utf8 = Array(decoded.text.utf8)
        let options = Int32(
            HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
                | HTML_PARSE_NONET.rawValue | HTML_PARSE_IGNORE_ENC.rawValue
        )
        let parsed = utf8.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                htmlReadMemory($0, Int32(buffer.count), nil, "UTF-8", options)
            }
        }
        guard let document = parsed else { throw .malformed("libxml2 could not parse the HTML") }
        defer { xmlFreeDoc(document) }

        var extractor = HTMLTextExtractor()
        if let root = xmlDocGetRootElement(document) { extractor.walk(root) }
        let text = extractor.builder.text
        let page = Page(
            number: 1, text: String(String.UnicodeScalarView(text)), blocks: extractor.builder.blocks,
            hasTextLayer: !text.isEmpty
        )
        let title = extractor.title ?? extractor.firstHeading
        let metadata = ["encoding": decoded.encoding, "encoding_source": decoded.how]
        return ParsedDocument(mediaType: .html, title: title, metadata: metadata, pages: [page])
    }
}

/// Walks the DOM without recursion (hostile input can nest thousands deep) and feeds a ``BlockBuilder``.
struct HTMLTextExtractor {
    var builder = BlockBuilder()
    var title: String?
    var firstHeading: String?

    static let skipped: Set<String> = [
        "script", "style", "noscript", "template", "svg", "math", "nav", "header", "footer", "aside", "form",
        "button", "select", "input", "textarea", "iframe", "object", "embed", "canvas", "audio", "video", "map",
    ]
    static let paragraphs: Set<String> = [
        "p", "div", "section", "article", "main", "blockquote", "dd", "dt", "dl", "figcaption", "caption", "address",
        "body", "center", "figure", "details", "summary", "fieldset", "legend", "ul", "ol", "hr",
    ]
    static let roleSkipped: Set<String> = ["navigation", "banner", "contentinfo", "search", "complementary"]

    private enum Step {
        case enter(xmlNodePtr)
        case leave(String)
    }

    mutating func walk(_ root: xmlNodePtr) {
        var stack: [Step] = [.enter(root)]
        while let step = stack.popLast() {
            switch step {
            case .leave(let name):
                leave(name)
            case .enter(let node):
                switch node.pointee.type {
                case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                    guard let content = node.pointee.content else { continue }
                    let text = String(cString: content)
                    // Sphinx's and others' permalink anchors ("¶") are not part of the heading.
                    if text.trimmingCharacters(in: .whitespaces) != "\u{00B6}" { builder.inline(text) }
                case XML_ELEMENT_NODE:
                    let name = String(cString: node.pointee.name).lowercased()
                    if name == "head" {
                        readTitle(node)
                        continue
                    }
                    if Self.skipped.contains(name) || isHidden(node) { continue }
                    if name == "table" {
                        readTable(node)
                        continue
                    }
                    enter(name)
                    stack.append(.leave(name))
                    var children: [xmlNodePtr] = []
                    var child = node.pointee.children
                    while let current = child {
                        children.append(current)
                        child = current.pointee.next
                    }
                    stack.append(contentsOf: children.reversed().map(Step.enter))
                default:
                    continue
                }
            }
        }
        builder.flushPending()
    }

    private mutating func enter(_ name: String) {
        if let level = Self.headingLevel(name) {
            builder.openBlock(.heading, level: level)
        } else if name == "li" {
            builder.openBlock(.list)
        } else if name == "pre" {
            builder.openBlock(.code)
        } else if name == "br" {
            builder.lineBreak()
        } else if Self.paragraphs.contains(name) {
            builder.openBlock(.paragraph)
        }
    }

    private mutating func leave(_ name: String) {
        if Self.headingLevel(name) != nil {
            if firstHeading == nil, let heading = builder.pendingText, !heading.isEmpty { firstHeading = heading }
            builder.leaveBlock()
        } else if name == "li" || name == "pre" || Self.paragraphs.contains(name) {
            builder.leaveBlock()
        }
    }

    static func headingLevel(_ name: String) -> Int? {
        guard name.count == 2, name.first == "h", let digit = name.last?.wholeNumberValue, (1...6).contains(digit) else { return nil }
        return digit
    }

    private func isHidden(_ node: xmlNodePtr) -> Bool {
        if xmlHasProp(node, "hidden") != nil { return true }
        if let role = attribute(node, "role"), Self.roleSkipped.contains(role.lowercased()) { return true }
        if let hidden = attribute(node, "aria-hidden"), hidden.lowercased() == "true" { return true }
        return false
    }

    private func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        guard let property = xmlHasProp(node, name), let value = property.pointee.children?.pointee.content else { return nil }
        return String(cString: value)
    }

    private mutating func readTitle(_ head: xmlNodePtr) {
        var child = head.pointee.children
        while let node = child {
            if node.pointee.type == XML_ELEMENT_NODE, String(cString: node.pointee.name).lowercased() == "title" {
                let text = Self.textContent(node).split(whereSeparator: \.isWhitespace).joined(separator: " ")
                if !text.isEmpty { title = text }
            }
            child = node.pointee.next
        }
    }

    /// A table becomes one block: a line per row, cells joined with " | ".
    private mutating func readTable(_ table: xmlNodePtr) {
        var rows: [String] = []
        var stack: [xmlNodePtr] = []
        var child = table.pointee.children
        while let node = child { stack.append(node); child = node.pointee.next }
        stack.reverse()
        while let node = stack.popLast() {
            guard node.pointee.type == XML_ELEMENT_NODE else { continue }
            let name = String(cString: node.pointee.name).lowercased()
            if name == "tr" {
                var cells: [String] = []
                var cell = node.pointee.children
                while let current = cell {
                    if current.pointee.type == XML_ELEMENT_NODE, ["td", "th"].contains(String(cString: current.pointee.name).lowercased()) {
                        cells.append(Self.textContent(current).split(whereSeparator: \.isWhitespace).joined(separator: " "))
                    }
                    cell = current.pointee.next
                }
                if cells.contains(where: { !$0.isEmpty }) { rows.append(cells.joined(separator: " | ")) }
            } else if ["thead", "tbody", "tfoot"].contains(name) {
                var inner: [xmlNodePtr] = []
                var next = node.pointee.children
                while let current = next { inner.append(current); next = current.pointee.next }
                stack.append(contentsOf: inner.reversed())
            } else if name == "caption" {
                let caption = Self.textContent(node).split(whereSeparator: \.isWhitespace).joined(separator: " ")
                if !caption.isEmpty { builder.add(caption, kind: .paragraph) }
            }
        }
        if !rows.isEmpty { builder.add(rows.joined(separator: "\n"), kind: .table) }
    }

    /// All text below `node`, scripts and styles excluded.
    static func textContent(_ node: xmlNodePtr) -> String {
        var result = ""
        var stack: [xmlNodePtr] = [node]
        while let current = stack.popLast() {
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { result += String(cString: content) }
            case XML_ELEMENT_NODE:
                let name = String(cString: current.pointee.name).lowercased()
                if skipped.contains(name) { continue }
                if name == "br" { result += " " }
                var children: [xmlNodePtr] = []
                var child = current.pointee.children
                while let next = child { children.append(next); child = next.pointee.next }
                stack.append(contentsOf: children.reversed())
            default:
                continue
            }
        }
        return result
    }
}
