import Foundation
import QuarryCore
import QuarryParsing
import QuarryTestSupport
import Testing

@Suite("HTML text encodings and boilerplate")
struct HTMLEncodingTests {
    static let body = "<p>Crème brûlée costs 5 € — naïve café</p>"

    static func page(_ head: String = "") -> String {
        "<html><head>\(head)<title>Menü</title></head><body><nav>Home | About</nav><h1>Desserts</h1>\(body)"
            + "<script>var secret = 'leaked-script-text';</script><style>.x { color: red }</style><footer>© footer text</footer></body></html>"
    }

    static func expectReadable(_ data: Data, encoding: String, how: String) throws {
        let document = try DocumentParser.parse(data, tenant: "t", filename: "page.html")
        let text = try #require(document.pages.first?.text)
        #expect(text.contains("Crème brûlée costs 5 € — naïve café"), "decoded as: \(text)")
        #expect(document.title == "Menü")
        #expect(document.metadata["encoding"] == encoding)
        #expect(document.metadata["encoding_source"] == how)
        #expect(!text.contains("leaked-script-text") && !text.contains("color: red"))
        #expect(!text.contains("Home | About") && !text.contains("footer text"))
    }

    @Test("UTF-8 without any declaration")
    func utf8() throws {
        try Self.expectReadable(Data(Self.page().utf8), encoding: "utf-8", how: "detected")
    }

    @Test("UTF-8 with a byte-order mark")
    func utf8BOM() throws {
        try Self.expectReadable(Data([0xEF, 0xBB, 0xBF]) + Data(Self.page().utf8), encoding: "utf-8", how: "bom")
    }

    @Test("UTF-16 little-endian with a byte-order mark, and big-endian without one")
    func utf16() throws {
        var little = Data([0xFF, 0xFE])
        little.append(Self.page().data(using: .utf16LittleEndian)!)
        try Self.expectReadable(little, encoding: "utf-16le", how: "bom")
        try Self.expectReadable(Self.page().data(using: .utf16BigEndian)!, encoding: "utf-16be", how: "detected")
    }

    @Test("windows-1252 declared by <meta charset> and by http-equiv, and undeclared")
    func windows1252() throws {
        let declared = Self.page(#"<meta charset="windows-1252">"#).data(using: .windowsCP1252)!
        try Self.expectReadable(declared, encoding: "windows-1252", how: "meta")
        let httpEquiv = Self.page(#"<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">"#).data(using: .windowsCP1252)!
        try Self.expectReadable(httpEquiv, encoding: "windows-1252", how: "meta")
        try Self.expectReadable(Self.page().data(using: .windowsCP1252)!, encoding: "windows-1252", how: "detected")
    }

    @Test("a UTF-8 declaration over windows-1252 bytes falls back to what the bytes are")
    func wrongDeclaration() throws {
        let data = Self.page(#"<meta charset="utf-8">"#).data(using: .windowsCP1252)!
        try Self.expectReadable(data, encoding: "windows-1252", how: "detected")
    }

    @Test("lists, tables and pre blocks keep their shape")
    func structure() throws {
        let html = """
            <h2>Parts</h2><ul><li>first item</li><li>second <b>bold</b> item</li></ul>
            <table><tr><th>Name</th><th>Size</th></tr><tr><td>bolt</td><td>M8</td></tr></table>
            <pre>  indented
                code</pre>
            """
        let document = try DocumentParser.parse(Data(html.utf8), tenant: "t", filename: "parts.html")
        let page = try #require(document.pages.first)
        let scalars = Array(page.text.unicodeScalars)
        let blocks = page.blocks.map { ($0.kind, String(String.UnicodeScalarView(scalars[$0.start..<$0.end]))) }
        #expect(blocks.map(\.0) == [.heading, .list, .list, .table, .code])
        #expect(blocks[2].1 == "second bold item")
        #expect(blocks[3].1 == "Name | Size\nbolt | M8")
        #expect(blocks[4].1 == "  indented\n    code")
    }

    @Test("shared misc pages decode to readable text", .enabled(if: SharedData.isAvailable, "\(SharedData.missingReason)"), arguments: [
        ("fake-html-cp1252.html", "Der Preis betrug 15,50 €"),
        ("example-steelJIS-datasheet-utf-16.html", "Chemical composition"),
        ("eng_spa_mult.html", "Todos los seres humanos nacen libres"),
        ("example-with-scripts.html", "Belarusian forces remain unlikely to attack Ukraine"),
        ("fake-html-pre.htm", "UNITING AND STRENGTHENING AMERICA"),
    ])
    func sharedMisc(file: String, words: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.path("corpora/html/misc/\(file)")))
        let document = try DocumentParser.parse(data, tenant: "t", filename: file)
        let text = try #require(document.pages.first?.text)
        #expect(text.contains(words), "\(file) lacks '\(words)'")
        #expect(!text.contains("switchTo5x") && !text.contains("<script"), "\(file) leaks script text")
    }
}
