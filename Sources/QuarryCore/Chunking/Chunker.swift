/// Cuts a parsed document into chunks of at most ``ChunkerOptions/maxTokens`` model tokens.
///
/// Page furniture (running headers, footers, page numbers) is left out. Breaks are preferred at headings (a heading always starts a chunk), then between blocks
/// (paragraphs, list items, table rows), then between sentences, and only for a sentence longer than
/// a chunk between words: never inside a word. Each chunk records the headings above it, the
/// character range on each page it covers and, for PDFs, its boxes. Deterministic: the same document
/// always gives the same chunks with the same ids.
public struct Chunker: Sendable {
    let counter: any TokenCounter
    let options: ChunkerOptions

    public init(counter: any TokenCounter, options: ChunkerOptions = .init()) {
        self.counter = counter
        self.options = options
    }

    public func chunks(of document: Document) -> [Chunk] {
        var builder = Builder(document: document, counter: counter, options: options)
        for page in document.pages where page.hasTextLayer {
            let text = Array(page.text.unicodeScalars)
            for block in Self.blocks(of: page, length: text.count) where block.kind != .furniture {
                builder.add(block, page: page.number, text: text)
            }
        }
        builder.flush(keepingOverlap: false)
        return builder.chunks
    }

    /// A page's blocks, or the whole text as one paragraph when the parser found none.
    static func blocks(of page: Page, length: Int) -> [TextBlock] {
        if !page.blocks.isEmpty { return page.blocks }
        return length > 0 ? [TextBlock(kind: .paragraph, start: 0, end: length)] : []
    }
}

/// A stretch of one page's text that is never cut: a sentence, a code or table line, a heading.
struct Piece {
    let page: Int
    let range: Range<Int>
    let tokens: Int
    let isHeading: Bool
    /// Cut out of a word longer than a chunk: its tokens do not add up with its neighbours'.
    var cutsAWord = false
}

/// The chunker's running state: the heading stack, the pieces of the chunk being filled, the chunks made.
private struct Builder {
    let document: Document
    let counter: any TokenCounter
    let options: ChunkerOptions
    var headings: [(level: Int, text: String)] = []
    var pieces: [Piece] = []
    var tokens = 0
    var chunks: [Chunk] = []
    /// The heading path of the chunk being filled, fixed when its first piece arrives.
    var path: [String] = []
    var pageTexts: [Int: [Unicode.Scalar]] = [:]

    init(document: Document, counter: any TokenCounter, options: ChunkerOptions) {
        self.document = document
        self.counter = counter
        self.options = options
    }

    var budget: Int { options.textBudget }

    mutating func add(_ block: TextBlock, page: Int, text: [Unicode.Scalar]) {
        pageTexts[page] = text
        let range = block.start..<min(block.end, text.count)
        guard !range.isEmpty else { return }
        if block.kind == .heading {
            addHeading(range, level: block.level ?? 1, page: page, text: text)
            return
        }
        let units = pieces(of: block.kind, range, page: page, text: text)
        let blockTokens = units.reduce(0) { $0 + $1.tokens }
        guard blockTokens > 0 else { return }
        if tokens + blockTokens <= budget {
            append(units)
        } else if blockTokens <= budget, tokens >= budget / 2 {
            // The block fits a chunk of its own and this one is well filled: break between blocks.
            flush(keepingOverlap: false)
            append(units)
        } else {
            for unit in units {
                if tokens + unit.tokens > budget { flush(keepingOverlap: true, before: unit) }
                append([unit])
            }
        }
    }

    private mutating func addHeading(_ range: Range<Int>, level: Int, page: Int, text: [Unicode.Scalar]) {
        // A heading starts a chunk, unless the chunk so far holds only headings (a title over a subtitle).
        if pieces.contains(where: { !$0.isHeading }) { flush(keepingOverlap: false) }
        while let last = headings.last, last.level >= level { headings.removeLast() }
        let title = String(String.UnicodeScalarView(text[range])).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        headings.append((level, title))
        if pieces.isEmpty || pieces.allSatisfy(\.isHeading) { path = headings.map(\.text) }
        let units = pieces(of: .paragraph, range, page: page, text: text).map {
            Piece(page: $0.page, range: $0.range, tokens: $0.tokens, isHeading: true, cutsAWord: $0.cutsAWord)
        }
        for unit in units {
            if tokens + unit.tokens > budget { flush(keepingOverlap: false) }
            append([unit])
        }
    }

    private mutating func append(_ units: [Piece]) {
        if pieces.isEmpty && !units.isEmpty { path = headings.map(\.text) }
        pieces += units
        tokens += units.reduce(0) { $0 + $1.tokens }
    }

    /// Ends the chunk being filled. With `keepingOverlap`, its last whole sentences (up to
    /// `overlapTokens`) begin the next one, as long as `next` still fits after them.
    mutating func flush(keepingOverlap: Bool, before next: Piece? = nil) {
        guard !pieces.isEmpty else { return }
        var carried: [Piece] = []
        if keepingOverlap, options.overlapTokens > 0 {
            var carriedTokens = 0
            for piece in pieces.reversed() where !piece.isHeading {
                guard carriedTokens + piece.tokens <= options.overlapTokens else { break }
                carried.insert(piece, at: 0)
                carriedTokens += piece.tokens
            }
            while !carried.isEmpty, carried.reduce(0, { $0 + $1.tokens }) + (next?.tokens ?? 0) > budget {
                carried.removeFirst()
            }
            // A chunk made only of its predecessor's tail would repeat it: carry nothing then.
            if carried.count == pieces.count { carried = [] }
        }
        chunks.append(makeChunk())
        // Carried pieces keep the heading path of the chunk they came from.
        pieces = carried
        tokens = carried.reduce(0) { $0 + $1.tokens }
    }

    private func makeChunk() -> Chunk {
        var spans: [Chunk.Span] = []
        for piece in pieces {
            // One span while only whitespace lies between pieces; skipped text (page furniture)
            // starts a new span, so it never slips into the chunk.
            if let last = spans.last, last.page == piece.page, piece.range.lowerBound >= last.end,
               pageTexts[piece.page]![last.end..<piece.range.lowerBound].allSatisfy(SentenceSplitter.isSpace) {
                spans[spans.count - 1].end = piece.range.upperBound
            } else {
                spans.append(Chunk.Span(page: piece.page, start: piece.range.lowerBound, end: piece.range.upperBound))
            }
        }
        var scalars: [Unicode.Scalar] = []
        for (index, span) in spans.enumerated() {
            if index > 0 { scalars.append("\n") }
            scalars += pageTexts[span.page]![span.start..<span.end]
        }
        let text = String(String.UnicodeScalarView(scalars))
        // Pieces are whole words separated by whitespace, so their counts add up exactly, unless a
        // word longer than a chunk was cut: then count again.
        let tokenCount = pieces.contains(where: \.cutsAWord) ? counter.countTokens(scalars[...]) : pieces.reduce(0) { $0 + $1.tokens }
        let boxes = spans.flatMap { span in
            document.pages.first { $0.number == span.page }?.boxes(from: span.start, to: span.end) ?? []
        }
        let ordinal = chunks.count
        return Chunk(
            id: ChunkID.make(documentId: document.id, ordinal: ordinal, text: text),
            documentId: document.id, tenant: document.tenant, ordinal: ordinal, text: text, headingPath: path,
            pageStart: spans.first!.page, pageEnd: spans.last!.page, spans: spans, boxes: boxes,
            tokenCount: tokenCount
        )
    }

    /// The uncuttable pieces of a block: lines for code and tables, sentences for prose;
    /// a piece still over the budget is cut between words.
    private func pieces(of kind: TextBlock.Kind, _ range: Range<Int>, page: Int, text: [Unicode.Scalar]) -> [Piece] {
        let ranges: [Range<Int>]
        switch kind {
        case .code, .table:
            ranges = Self.lines(in: text, range: range)
        case .heading, .paragraph, .list, .furniture:
            ranges = SentenceSplitter.sentences(in: text, range: range)
        }
        var result: [Piece] = []
        for sentence in ranges {
            let count = counter.countTokens(text[sentence])
            if count <= budget {
                result.append(Piece(page: page, range: sentence, tokens: count, isHeading: false))
            } else {
                result += wordWindows(sentence, page: page, text: text)
            }
        }
        return result
    }

    /// Cuts an over-long range between words into pieces of at most `budget` tokens.
    private func wordWindows(_ range: Range<Int>, page: Int, text: [Unicode.Scalar]) -> [Piece] {
        var words: [Range<Int>] = []
        var index = range.lowerBound
        while index < range.upperBound {
            while index < range.upperBound, SentenceSplitter.isSpace(text[index]) { index += 1 }
            let start = index
            while index < range.upperBound, !SentenceSplitter.isSpace(text[index]) { index += 1 }
            if start < index { words.append(start..<index) }
        }
        var result: [Piece] = []
        var windowStart: Int?
        var windowEnd = 0
        var windowTokens = 0
        for word in words {
            let count = counter.countTokens(text[word])
            if count > budget {
                // One "word" longer than a chunk (a URL, a base64 blob): cut it by characters.
                if let start = windowStart { result.append(Piece(page: page, range: start..<windowEnd, tokens: windowTokens, isHeading: false)) }
                windowStart = nil
                windowTokens = 0
                result += characterWindows(word, page: page, text: text)
                continue
            }
            if windowTokens + count > budget, let start = windowStart {
                result.append(Piece(page: page, range: start..<windowEnd, tokens: windowTokens, isHeading: false))
                windowStart = nil
                windowTokens = 0
            }
            if windowStart == nil { windowStart = word.lowerBound }
            windowEnd = word.upperBound
            windowTokens += count
        }
        if let start = windowStart { result.append(Piece(page: page, range: start..<windowEnd, tokens: windowTokens, isHeading: false)) }
        return result
    }

    /// The last resort for a single word longer than a chunk.
    private func characterWindows(_ range: Range<Int>, page: Int, text: [Unicode.Scalar]) -> [Piece] {
        var result: [Piece] = []
        var start = range.lowerBound
        while start < range.upperBound {
            var end = min(range.upperBound, start + budget)
            var count = counter.countTokens(text[start..<end])
            while count > budget, end > start + 1 {
                end = start + (end - start) / 2
                count = counter.countTokens(text[start..<end])
            }
            result.append(Piece(page: page, range: start..<end, tokens: count, isHeading: false, cutsAWord: true))
            start = end
        }
        return result
    }

    static func lines(in text: [Unicode.Scalar], range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = range.lowerBound
        for index in range where text[index] == "\n" {
            SentenceSplitter.appendTrimmed(text, start..<index, to: &result)
            start = index + 1
        }
        SentenceSplitter.appendTrimmed(text, start..<range.upperBound, to: &result)
        return result
    }
}
