import Foundation

/// Reads a `text/event-stream` body fed in arbitrary pieces (the WHATWG rules Quarry needs:
/// `event:` and `data:` fields, multi-line data, comments, CRLF or LF line ends). A piece may end
/// anywhere, even inside a UTF-8 sequence: lines are decoded only once complete.
public struct ServerSentEventReader: Sendable {
    public struct Event: Sendable, Equatable {
        /// The `event:` field; nil for the default "message".
        public var name: String?
        public var data: String

        public init(name: String? = nil, data: String) {
            self.name = name
            self.data = data
        }
    }

    private var pending: [UInt8] = []
    private var name: String?
    private var dataLines: [String] = []

    public init() {}

    /// The events completed by this piece, in order.
    public mutating func feed(_ piece: Data) -> [Event] {
        pending.append(contentsOf: piece)
        var events: [Event] = []
        var lineStart = 0
        for index in pending.indices where pending[index] == UInt8(ascii: "\n") {
            var end = index
            if end > lineStart, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if let event = take(line: String(decoding: pending[lineStart..<end], as: UTF8.self)) { events.append(event) }
            lineStart = index + 1
        }
        pending.removeFirst(lineStart)
        return events
    }

    /// One complete line; a blank one dispatches the event gathered so far.
    private mutating func take(line: String) -> Event? {
        if line.isEmpty {
            defer { name = nil; dataLines = [] }
            return dataLines.isEmpty ? nil : Event(name: name, data: dataLines.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring, value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            let rest = line[line.index(after: colon)...]
            value = rest.hasPrefix(" ") ? rest.dropFirst() : rest
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "data": dataLines.append(String(value))
        case "event": name = String(value)
        default: break  // id, retry: not needed by Quarry's clients
        }
        return nil
    }
}
