import CLibXML2
import Testing

@Suite("libxml2 HTML parser")
struct LibXML2Tests {
    @Test("parses broken HTML and finds the title text")
    func parsesTitle() throws {
        let html = "<html><head><title>Quarry &amp; co</title><body><p>unclosed"
        let document = html.withCString { htmlReadMemory($0, Int32(html.utf8.count), "test.html", "UTF-8", Int32(HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue)) }
        let doc = try #require(document)
        defer { xmlFreeDoc(doc) }
        let context = try #require(xmlXPathNewContext(doc))
        defer { xmlXPathFreeContext(context) }
        let result = try #require(xmlXPathEvalExpression("string(//title)", context))
        defer { xmlXPathFreeObject(result) }
        #expect(String(cString: result.pointee.stringval) == "Quarry & co")
    }
}
