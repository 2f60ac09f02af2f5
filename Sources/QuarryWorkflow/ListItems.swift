import Foundation
import QuarryCore

/// A list a node reads an item at a time (``NodeContext/items``): one in memory (a list written in
/// the config, the trigger's inputs, an output kept in the run), or one inside an output kept
/// apart, read from the store ``pieceBytes`` at a time through a ``JSONListScanner``, so memory
/// holds a piece and the items not yet taken, whatever the list's length.
public struct ListItems: Sendable {
    /// How much of a kept-apart output one read takes.
    public static let pieceBytes = 256 * 1024

    private enum Source: Sendable {
        case values([JSONValue])
        case stored(read: @Sendable (Range<Int>) async throws -> Data?, bytes: Int, path: String)
    }

    private let source: Source
    private var position = 0
    private var scanner: JSONListScanner
    private var waiting: [Data] = []
    private var taken = 0
    /// How many items the list has, when known before reading it (a list in memory).
    public var count: Int? { if case .values(let values) = source { values.count } else { nil } }
    /// Where the items come from, for the run log.
    public let origin: String

    public init(_ values: [JSONValue]) {
        source = .values(values)
        scanner = JSONListScanner(path: [])
        origin = "a list of \(values.count) items"
    }

    /// The list at `steps` inside the `bytes`-long JSON document `read` returns pieces of, named
    /// `path` in messages (the template's path).
    public init(path: String, steps: [Template.Step], bytes: Int, read: @escaping @Sendable (Range<Int>) async throws -> Data?) {
        source = .stored(read: read, bytes: bytes, path: path)
        scanner = JSONListScanner(path: steps)
        origin = "{{ \(path) }}, read from an output of \(bytes) bytes kept apart, \(Self.pieceBytes / 1024) KB at a time"
    }

    /// `value` (a config field's, usually one template) filled from `names`; it must be a list.
    public static func filled(_ field: String, _ value: JSONValue, in names: JSONValue) throws -> ListItems {
        let filled: JSONValue
        do {
            filled = try Template.render(value, in: names)
        } catch {
            throw PermanentNodeError("config /\(field): \(error)")
        }
        guard case .array(let values) = filled else { throw PermanentNodeError("config /\(field): must be a list, not \(Template.kind(filled))") }
        return ListItems(values)
    }

    /// The next item, or nil after the last. A list kept apart that turns out not to be one (or
    /// an item not JSON) fails for good, naming the path; a read that fails can be tried again.
    public mutating func next() async throws -> JSONValue? {
        switch source {
        case .values(let values):
            guard position < values.count else { return nil }
            position += 1
            return values[position - 1]
        case .stored(let read, let bytes, let path):
            while taken == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                taken = 0
                if scanner.ended { return nil }
                do {
                    if position >= bytes {
                        try scanner.finish()
                        return nil
                    }
                    let end = min(position + Self.pieceBytes, bytes)
                    guard let piece = try await read(position..<end), !piece.isEmpty else {
                        throw BackendUnavailable(backend: "run store", reason: "the output holding {{ \(path) }} ends at byte \(position) of \(bytes)")
                    }
                    position += piece.count
                    waiting = try scanner.feed(piece)
                } catch let failure as JSONListScanner.Failure {
                    throw PermanentNodeError("template {{ \(path) }}: \(failure.reason)")
                }
            }
            let text = waiting[taken]
            taken += 1
            do {
                return try JSONDecoder().decode(JSONValue.self, from: text)
            } catch {
                throw PermanentNodeError("template {{ \(path) }}: an item is not JSON: \(String(decoding: text.prefix(80), as: UTF8.self))")
            }
        }
    }
}
