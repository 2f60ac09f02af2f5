import Foundation
import QuarryCore
import Testing

@Suite("Reading a list inside JSON a piece at a time")
struct JSONListScannerTests {
    /// Every item of the list at `steps` in `text`, fed in pieces of `size` bytes.
    static func items(_ text: String, _ steps: [Template.Step], pieces size: Int) throws -> [JSONValue] {
        var scanner = JSONListScanner(path: steps)
        let bytes = Array(text.utf8)
        var found: [Data] = []
        var start = 0
        while start < bytes.count, !scanner.ended {
            found += try scanner.feed(bytes[start..<min(start + size, bytes.count)])
            start += size
        }
        try scanner.finish()
        return try found.map { try JSONDecoder().decode(JSONValue.self, from: $0) }
    }

    /// The list at `steps`, as a whole-document decode and template walk find it.
    static func expected(_ text: String, _ steps: [Template.Step]) throws -> [JSONValue] {
        var value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        for step in steps {
            switch (step, value) {
            case (.key(let key), .object(let fields)): value = fields[key] ?? .null
            case (.index(let position), .array(let items)): value = items[position]
            default: value = .null
            }
        }
        guard case .array(let items) = value else { return [] }
        return items
    }

    static let document = #"""
        {"before": [1, {"rows": ["not", "these"]}], "a]b\"c": {"rows": [9]},
         "data": {"count": 3, "rows": [
            {"name": "comma, bracket ] brace } quote \" slash \\", "n": -1.5e3},
            [true, false, null, [], {}],
            "plain",
            42 ,
            {"deep": {"rows": [[["x"]]]}}
         ], "after": "[ignored"},
         "pages": [{"lines": [0]}, {"lines": ["second", "page"]}]}
        """#

    @Test("items of the list at a path, whatever the pieces: strings with brackets and escapes, nested lists, scalars, keys with escapes")
    func items() throws {
        let paths: [[Template.Step]] = [[.key("data"), .key("rows")], [.key("pages"), .index(1), .key("lines")], [.key("a]b\"c"), .key("rows")], [.key("before")]]
        for steps in paths {
            let expected = try Self.expected(Self.document, steps)
            #expect(!expected.isEmpty)
            for size in [1, 2, 3, 7, 64, 100_000] {
                #expect(try Self.items(Self.document, steps, pieces: size) == expected, "\(steps) in pieces of \(size)")
            }
        }
        #expect(try Self.items(" [ ] ", [], pieces: 1) == [])
        #expect(try Self.items(#"["a",["b"],{"c":1}]"#, [], pieces: 2) == [.string("a"), .array([.string("b")]), .object(["c": .int(1)])])
    }

    @Test("a path that names no list fails saying why; a document cut inside the list fails")
    func failures() {
        func reason(_ text: String, _ steps: [Template.Step]) -> String? {
            do {
                _ = try Self.items(text, steps, pieces: 5)
                return nil
            } catch let failure as JSONListScanner.Failure {
                return failure.reason
            } catch {
                return "\(error)"
            }
        }
        #expect(reason(Self.document, [.key("data"), .key("count")]) == "'data.count' is a number, not a list")
        #expect(reason(Self.document, [.key("data"), .key("missing")]) == "'data' has no 'missing'")
        #expect(reason(Self.document, [.key("pages"), .index(5), .key("lines")]) == "'pages' has 2 items, so no [5]")
        #expect(reason(Self.document, [.key("data"), .key("count"), .key("x")]) == "'data.count' is a number, so it has no 'x'")
        #expect(reason(Self.document, [.key("pages"), .key("x")]) == "'pages' is a list, so it has no 'x'")
        #expect(reason(#"{"rows": [1, 2"#, [.key("rows")]) == "the list at 'rows' is cut short: the document ends inside it")
        #expect(reason(#"{"other": 1}"#, [.key("rows")]) == "the output has no 'rows'")
    }

    @Test("random documents: the items match a whole decode, fed in random pieces")
    func random() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let list = (0..<Int.random(in: 0...20, using: &generator)).map { _ in Self.randomValue(depth: 3, &generator) }
            let document: JSONValue = .object(["noise": Self.randomValue(depth: 3, &generator), "x": .object(["list": .array(list)]),
                                               "tail": Self.randomValue(depth: 2, &generator)])
            let text = String(decoding: try JSONEncoder().encode(document), as: UTF8.self)
            let items = try Self.items(text, [.key("x"), .key("list")], pieces: Int.random(in: 1...40, using: &generator))
            #expect(items == list, "\(text)")
        }
    }

    static func randomValue(depth: Int, _ generator: inout SystemRandomNumberGenerator) -> JSONValue {
        let strings = ["", "a", "]", "[", "{", "}", ",", "\"", "\\", "é ☃", "x,y:z", "\n\t"]
        switch Int.random(in: 0...(depth > 0 ? 7 : 4), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: -1000...1000, using: &generator))
        case 3: return .double(Double(Int.random(in: -100...100, using: &generator)) + 0.25)
        case 4, 5: return .string((0..<Int.random(in: 0...3, using: &generator)).map { _ in strings.randomElement(using: &generator)! }.joined())
        case 6: return .array((0..<Int.random(in: 0...3, using: &generator)).map { _ in randomValue(depth: depth - 1, &generator) })
        default:
            var fields: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                fields[strings.randomElement(using: &generator)! + "k"] = randomValue(depth: depth - 1, &generator)
            }
            return .object(fields)
        }
    }
}
