import Foundation
import QuarryCore
import Testing

@Suite("Templates and schema checks")
struct TemplateTests {
    static let context: JSONValue = .object([
        "trigger": .object(["question": .string("When is high tide?"), "k": .int(3)]),
        "nodes": .object(["search": .object(["citations": .array([.object(["snippet": .string("High water at 6"), "page": .int(2)])])])]),
    ])

    @Test("a lone placeholder keeps its type; placeholders in text become text; lists and objects are walked")
    func render() throws {
        #expect(try Template.render(.string("{{ trigger.k }}"), in: Self.context) == .int(3))
        #expect(try Template.render(.string("{{nodes.search.citations[0].snippet}}"), in: Self.context) == .string("High water at 6"))
        #expect(try Template.render(.string("p. {{ nodes.search.citations.0.page }}: {{ nodes.search.citations[0].snippet }}"), in: Self.context)
            == .string("p. 2: High water at 6"))
        #expect(try Template.render(.object(["q": .array([.string("Q: {{ trigger.question }}"), .int(1)])]), in: Self.context)
            == .object(["q": .array([.string("Q: When is high tide?"), .int(1)])]))
        #expect(try Template.render(.string("{{ nodes.search.citations }}"), in: Self.context).string == nil, "a list stays a list")
        #expect(try Template.render(.string("n={{ trigger }}"), in: Self.context) == .string(#"n={"k":3,"question":"When is high tide?"}"#))
        #expect(try Template.render(.string("no placeholders"), in: Self.context) == .string("no placeholders"))
    }

    @Test("a path that names nothing is an error naming the path and the step that failed")
    func missing() {
        #expect(throws: TemplateError(path: "nodes.search.citations[3].snippet", reason: "'nodes.search.citations' has 1 items, so no [3]")) {
            try Template.render(.string("{{ nodes.search.citations[3].snippet }}"), in: Self.context)
        }
        #expect(throws: TemplateError(path: "nodes.serch.answer", reason: "'nodes' has no 'serch' (it has: search)")) {
            try Template.render(.string("{{ nodes.serch.answer }}"), in: Self.context)
        }
        #expect(throws: TemplateError(path: "trigger.k.x", reason: "'trigger.k' is a number, so it has no 'x'")) {
            try Template.render(.string("{{ trigger.k.x }}"), in: Self.context)
        }
        #expect(throws: TemplateError.self) { try Template.render(.string("{{ trigger.k"), in: Self.context) }
        #expect(throws: TemplateError.self) { try Template.render(.string("{{ trigger['k'] }}"), in: Self.context) }
    }

    static let schema = try! JSONDecoder().decode(JSONValue.self, from: Data(#"""
        {"type": "object", "additionalProperties": false, "required": ["query"],
         "properties": {"query": {"type": "string", "minLength": 1}, "top_k": {"type": "integer", "minimum": 1, "maximum": 100},
                        "mode": {"enum": ["hybrid", "dense"]}, "ids": {"type": "array", "items": {"type": "string"}}}}
        """#.utf8))

    @Test("schema checks point at the field that breaks the schema; templated strings pass until filled")
    func schemaCheck() {
        func check(_ value: JSONValue, templated: Bool = false) -> String? {
            SchemaCheck.firstViolation(of: value, against: Self.schema, templated: templated)?.description
        }
        #expect(check(.object(["query": .string("q"), "top_k": .int(5), "mode": .string("dense"), "ids": .array([.string("a")])])) == nil)
        #expect(check(.object([:])) == "/query: is required")
        #expect(check(.object(["query": .string("q"), "top_k": .int(0)])) == "/top_k: must be at least 1")
        #expect(check(.object(["query": .string("q"), "top_k": .double(2.5)])) == "/top_k: must be an integer, not a number")
        #expect(check(.object(["query": .string("q"), "mode": .string("fuzzy")])) == #"/mode: must be one of hybrid, dense"#)
        #expect(check(.object(["query": .string("q"), "ids": .array([.string("a"), .int(1)])])) == "/ids/1: must be a string, not a number")
        #expect(check(.object(["query": .string("q"), "topk": .int(1)]))?.hasPrefix("/topk: is not a known field") == true)
        #expect(check(.object(["query": .string("q"), "top_k": .string("{{ trigger.k }}")]), templated: true) == nil)
        #expect(check(.object(["query": .string("q"), "top_k": .string("{{ trigger.k }}")])) == "/top_k: must be an integer, not a string")
    }

    @Test("the nodes a config's templates name: each `nodes.<id>`, wherever it stands; naming `nodes` whole names them all")
    func namedNodes() {
        let config: JSONValue = .object([
            "url": .string("https://x/{{ nodes.fetch.url }}?q={{ trigger.q }}"),
            "body": .array([.object(["a": .string("{{ nodes.search.citations[0].snippet }}")]), .int(3), .string("plain")]),
            "run": .string("{{ run.id }}"),
        ])
        #expect(Template.namedNodes(in: config) == ["fetch", "search"])
        #expect(Template.namedNodes(in: .object(["all": .string("{{ nodes }}"), "one": .string("{{ nodes.fetch }}")])) == nil)
        #expect(Template.namedNodes(in: .string("no placeholder")) == [])
        #expect(Template.namedNodes(in: .string("{{ nodes.broken")) == [], "a placeholder that does not read names nothing")
    }
}
