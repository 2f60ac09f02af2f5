import Foundation
import QuarryHTTP
import Testing

@Suite("server-sent event reader")
struct ServerSentEventTests {
    static let stream = "event: retrieved\ndata: {\"a\": 1}\n\n: a comment\ndata: first\r\ndata: second é\r\n\r\ndata:[DONE]\n\nevent: partial\ndata: never ended"

    @Test("the same events however the bytes are cut, even inside a UTF-8 sequence")
    func anyCut() {
        let bytes = Array(Self.stream.utf8)
        let expected: [ServerSentEventReader.Event] = [
            .init(name: "retrieved", data: "{\"a\": 1}"), .init(data: "first\nsecond é"), .init(data: "[DONE]"),
        ]
        for size in [1, 2, 3, 7, bytes.count] {
            var reader = ServerSentEventReader()
            var events: [ServerSentEventReader.Event] = []
            for start in stride(from: 0, to: bytes.count, by: size) {
                events += reader.feed(Data(bytes[start..<min(bytes.count, start + size)]))
            }
            #expect(events == expected, "pieces of \(size) bytes")
        }
    }
}
