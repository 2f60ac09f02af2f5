import CMongoc
import Testing

@Suite("libmongoc and libbson")
struct MongocTests {
    @Test("builds a BSON document and renders it as relaxed extended JSON")
    func bsonDocument() throws {
        let document = try #require(bson_new())
        defer { bson_destroy(document) }
        // Called outside #expect: the macro evaluates each argument on its own, and two string
        // literals converted to C pointers that way were seen to alias.
        let appended = bson_append_utf8(document, "tenant", -1, "default", -1)
        #expect(appended)
        #expect(bson_append_int32(document, "page", -1, 7))
        var length = 0
        let json = try #require(bson_as_relaxed_extended_json(document, &length))
        defer { bson_free(json) }
        #expect(String(cString: json) == #"{ "tenant" : "default", "page" : 7 }"#)
    }

    @Test("parses a connection string")
    func connectionString() throws {
        mongoc_init()
        var error = bson_error_t()
        let uri = try #require(mongoc_uri_new_with_error("mongodb://127.0.0.1:27999/quarry?appname=test", &error))
        defer { mongoc_uri_destroy(uri) }
        #expect(String(cString: mongoc_uri_get_database(uri)) == "quarry")
        #expect(String(cString: mongoc_uri_get_appname(uri)) == "test")
    }
}
