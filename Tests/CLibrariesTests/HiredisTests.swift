import CHiredis
import Testing

@Suite("hiredis")
struct HiredisTests {
    @Test("parses a RESP array reply")
    func parsesReply() throws {
        let reader = try #require(redisReaderCreate())
        defer { redisReaderFree(reader) }
        let wire = "*2\r\n$5\r\nhello\r\n:42\r\n"
        #expect(wire.withCString { redisReaderFeed(reader, $0, wire.utf8.count) } == REDIS_OK)
        var raw: UnsafeMutableRawPointer?
        #expect(redisReaderGetReply(reader, &raw) == REDIS_OK)
        let reply = try #require(raw?.assumingMemoryBound(to: redisReply.self))
        defer { freeReplyObject(reply) }
        #expect(reply.pointee.type == REDIS_REPLY_ARRAY)
        #expect(reply.pointee.elements == 2)
        let first = try #require(reply.pointee.element[0])
        #expect(String(cString: first.pointee.str) == "hello")
        #expect(try #require(reply.pointee.element[1]).pointee.integer == 42)
    }
}
