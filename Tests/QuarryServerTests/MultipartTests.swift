import Foundation
@testable import QuarryServer
import Testing

@Suite("multipart/form-data parsing")
struct MultipartTests {
    static let boundary = "xYz-123"

    static func body(_ parts: [(String, String?, Data)]) -> Data {
        var data = Data()
        for (name, filename, content) in parts {
            let disposition = "form-data; name=\"\(name)\"" + (filename.map { "; filename=\"\($0)\"" } ?? "")
            data.append(Data("--\(boundary)\r\nContent-Disposition: \(disposition)\r\n\r\n".utf8))
            data.append(content)
            data.append(Data("\r\n".utf8))
        }
        data.append(Data("--\(boundary)--\r\n".utf8))
        return data
    }

    @Test("parts keep their names, file names (never a path) and exact bytes, CRLFs inside included")
    func parts() throws {
        let binary = Data((0..<256).map { UInt8($0) } + Array("\r\n--xYz-12\r\n".utf8))
        let form = try Multipart(Self.body([("title", nil, Data("hello".utf8)), ("file", "../../etc/passwd", binary)]), boundary: Self.boundary)
        #expect(form.parts.map(\.name) == ["title", "file"])
        #expect(form.parts[0].data == Data("hello".utf8) && form.parts[0].filename == nil)
        #expect(form.parts[1].filename == "passwd")
        #expect(form.parts[1].data == binary)
    }

    @Test("the boundary comes from the content type, quoted or not")
    func boundary() {
        #expect(Multipart.boundary(of: "multipart/form-data; boundary=abc") == "abc")
        #expect(Multipart.boundary(of: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
        #expect(Multipart.boundary(of: "application/json") == nil)
        #expect(Multipart.boundary(of: "multipart/form-data") == nil)
    }

    @Test("truncated and random bodies are refused with a reason, never a crash")
    func hostile() {
        let valid = Self.body([("file", "a.pdf", Data(repeating: 7, count: 300))])
        for length in 0..<(valid.count - 4) {  // up to the middle of the closing boundary
            #expect(throws: Multipart.ParseError.self) { try Multipart(valid.prefix(length), boundary: Self.boundary) }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var bytes = [UInt8](valid)
            for _ in 0..<4 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            _ = try? Multipart(Data(bytes), boundary: Self.boundary)  // any outcome but a crash
            _ = try? Multipart(Data((0..<Int.random(in: 0..<400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }), boundary: Self.boundary)
        }
    }
}
