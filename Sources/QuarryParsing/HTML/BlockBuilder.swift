import QuarryCore

/// Accumulates inline text into blocks separated by newlines: whitespace collapsed to single spaces,
/// except in code blocks, which keep their text as written.
struct BlockBuilder {
    private(set) var text: [Unicode.Scalar] = []
    private(set) var blocks: [TextBlock] = []
    private var pending: [Unicode.Scalar] = []
    private var kinds: [(TextBlock.Kind, Int?)] = []
    /// The kind of the block being filled, fixed by its first text.
    private var pendingKind: (TextBlock.Kind, Int?)?

    var pendingText: String? { pending.isEmpty ? nil : String(String.UnicodeScalarView(pending)) }

    private var verbatim: Bool { kinds.last?.0 == .code }

    /// Enters a block element: text so far becomes a block of its own.
    mutating func openBlock(_ kind: TextBlock.Kind, level: Int? = nil) {
        flushPending()
        kinds.append((kind, level))
    }

    /// Leaves the innermost block element.
    mutating func leaveBlock() {
        flushPending()
        _ = kinds.popLast()
    }

    mutating func inline(_ content: String) {
        if pending.isEmpty { pendingKind = kinds.last ?? (.paragraph, nil) }
        if verbatim {
            for scalar in content.unicodeScalars where scalar != "\r" {
                if pending.isEmpty && scalar == "\n" { continue }  // the newline right after <pre>
                pending.append(scalar)
            }
            return
        }
        for scalar in content.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 {
                if let last = pending.last, last != " " { pending.append(" ") }
            } else {
                pending.append(scalar)
            }
        }
    }

    mutating func lineBreak() {
        if verbatim { pending.append("\n") } else { inline(" ") }
    }

    /// Ends the block being filled, if any text was written.
    mutating func flushPending() {
        defer {
            pending.removeAll(keepingCapacity: true)
            pendingKind = nil
        }
        while let last = pending.last, last.properties.isWhitespace { pending.removeLast() }
        while let first = pending.first, first.properties.isWhitespace, !verbatimKind { pending.removeFirst() }
        guard !pending.isEmpty, let (kind, level) = pendingKind else { return }
        if !text.isEmpty { text.append("\n") }
        let start = text.count
        text += pending
        blocks.append(TextBlock(kind: kind, level: level, start: start, end: text.count))
    }

    private var verbatimKind: Bool { pendingKind?.0 == .code }

    /// A whole block at once (a table, a caption).
    mutating func add(_ content: String, kind: TextBlock.Kind) {
        flushPending()
        pendingKind = (kind, nil)
        pending = Array(content.unicodeScalars)
        flushPending()
    }
}
