import Foundation

/// Finds the list at a path inside a JSON document given a piece at a time, and hands out its
/// items, each as its own JSON text, as they are passed: so a `map` reads a list kept apart from
/// its run (up to 64 MB) holding one piece and the items in flight, never the whole document.
///
/// It checks the structure it needs (brackets, strings, separators), not every byte: an item is
/// checked when it is decoded, and what follows the list is not read at all.
public struct JSONListScanner: Sendable {
    /// What went wrong, said as a template error says it: the path, and why it names no list.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// A container the scanner is inside, before the list is found.
    private struct Frame {
        let isObject: Bool
        /// Whether the container's path is the start of the path sought.
        let onPath: Bool
        var index = 0
        var key: String?
        var expectingKey: Bool
        var valueSeen = false
    }

    private let target: [Template.Step]
    private var frames: [Frame] = []
    private var inString = false
    private var escaped = false
    private var collectingKey = false
    private var keyBytes: [UInt8] = []
    private var valueExpected = true
    /// Inside the list: how deep inside the item the scanner is (0: between items), and the item so far.
    private var inList = false
    private var itemDepth = 0
    private var item: [UInt8] = []
    public private(set) var ended = false

    /// `path`: the steps from the document's root to the list (empty: the document is the list).
    public init(path: [Template.Step]) {
        target = path
    }

    /// Takes the next piece of the document; returns the items it completed, in order.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(Failure) -> [Data] {
        var items: [Data] = []
        for byte in bytes {
            if ended { break }
            if inList {
                scanList(byte, into: &items)
            } else {
                try scan(byte)
            }
        }
        return items
    }

    /// Says the document has ended: fails when the list was not found or did not close.
    public func finish() throws(Failure) {
        guard !ended else { return }
        if inList { throw Failure(reason: "the list at \(Self.describe(target)) is cut short: the document ends inside it") }
        throw Failure(reason: "\(Self.describe(target)) names nothing in the document")
    }

    private mutating func scanList(_ byte: UInt8, into items: inout [Data]) {
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            item.append(byte)
            return
        }
        switch byte {
        case UInt8(ascii: "\""):
            inString = true
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            itemDepth += 1
        case UInt8(ascii: "]") where itemDepth == 0:
            flush(into: &items)
            ended = true
            return
        case UInt8(ascii: "]"), UInt8(ascii: "}"):
            itemDepth -= 1
        case UInt8(ascii: ",") where itemDepth == 0:
            flush(into: &items)
            return
        case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t") where itemDepth == 0:
            return
        default:
            break
        }
        item.append(byte)
    }

    private mutating func flush(into items: inout [Data]) {
        if !item.isEmpty { items.append(Data(item)) }
        item.removeAll(keepingCapacity: true)
    }

    private mutating func scan(_ byte: UInt8) throws(Failure) {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
                if collectingKey {
                    collectingKey = false
                    frames[frames.count - 1].key = Self.decodeKey(keyBytes)
                    return
                }
            }
            if collectingKey { keyBytes.append(byte) }
            return
        }
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), UInt8(ascii: ":"):
            if byte == UInt8(ascii: ":") { valueExpected = true }
        case UInt8(ascii: "\""):
            if let last = frames.last, last.isObject, last.expectingKey {
                frames[frames.count - 1].expectingKey = false
                collectingKey = true
                keyBytes.removeAll(keepingCapacity: true)
            } else {
                try valueStarts(byte)
            }
            inString = true
        case UInt8(ascii: ","):
            guard !frames.isEmpty else { return }
            if frames[frames.count - 1].isObject {
                frames[frames.count - 1].expectingKey = true
            } else {
                frames[frames.count - 1].index += 1
                valueExpected = true
            }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let onPath = try valueStarts(byte)
            guard !inList else { return }
            frames.append(Frame(isObject: byte == UInt8(ascii: "{"), onPath: onPath, expectingKey: byte == UInt8(ascii: "{")))
            valueExpected = byte == UInt8(ascii: "[")
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            guard let closed = frames.popLast() else { return }
            // A container on the path that closes without the next step: the path names nothing.
            if closed.onPath {
                let depth = frames.count
                let walked = Self.describe(Array(target.prefix(depth)))
                switch target[depth] {
                case .key(let key): throw Failure(reason: closed.isObject ? "\(walked) has no '\(key)'" : "\(walked) is a list, so it has no '\(key)'")
                case .index(let position):
                    throw Failure(reason: closed.isObject ? "\(walked) is an object, so it has no [\(position)]"
                                                          : "\(walked) has \(closed.index + (closed.valueSeen ? 1 : 0)) items, so no [\(position)]")
                }
            }
        default:
            // A number, true, false or null: only its first byte matters here.
            if valueExpected { try valueStarts(byte) }
        }
    }

    /// A value starts with `byte`; returns whether its path is the start of the one sought. When
    /// it is the path itself, the list begins (or, not being a list, the scan fails).
    @discardableResult
    private mutating func valueStarts(_ byte: UInt8) throws(Failure) -> Bool {
        valueExpected = false
        let depth = frames.count
        let onPath: Bool
        if let parent = frames.last {
            frames[depth - 1].valueSeen = true
            let step: Template.Step = parent.isObject ? .key(parent.key ?? "") : .index(parent.index)
            onPath = parent.onPath && depth - 1 < target.count && target[depth - 1] == step
        } else {
            onPath = true
        }
        guard onPath else { return false }
        let kind = Self.kind(byte)
        if depth == target.count {
            guard byte == UInt8(ascii: "[") else { throw Failure(reason: "\(Self.describe(target)) is \(kind), not a list") }
            inList = true
            return true
        }
        guard byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") else {
            throw Failure(reason: "\(Self.describe(Array(target.prefix(depth)))) is \(kind), so it has no \(Self.name(target[depth]))")
        }
        return true
    }

    /// A step as messages name it: `'rows'`, `[2]`.
    private static func name(_ step: Template.Step) -> String {
        switch step {
        case .key(let key): "'\(key)'"
        case .index(let position): "[\(position)]"
        }
    }

    private static func decodeKey(_ bytes: [UInt8]) -> String {
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
        return (try? JSONDecoder().decode(String.self, from: Data([UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")]))) ?? String(decoding: bytes, as: UTF8.self)
    }

    private static func kind(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "{"): "an object"
        case UInt8(ascii: "["): "a list"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        default: "a number"
        }
    }

    /// The path as written after the node's id: `.rows[2].body`; the output itself when empty.
    static func describe(_ steps: [Template.Step]) -> String {
        guard !steps.isEmpty else { return "the output" }
        var text = steps.map(\.description).joined()
        if text.hasPrefix(".") { text.removeFirst() }
        return "'\(text)'"
    }
}
