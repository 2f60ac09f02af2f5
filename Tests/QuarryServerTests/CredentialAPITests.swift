import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryServer
import QuarryTestSupport
import Testing

/// `/api/v1/credentials` and `/api/v1/credential-types` on the embedded store.
@Suite("credentials API")
struct CredentialAPITests {
    static let secret = "xoxb-1234-very-secret-bot-token"

    @Test("create (201), list and read with secret fields by name only, another tenant's is a 404, a viewer cannot create, delete (204)")
    func lifecycle() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let viewer = try await Fixture.token(authority, role: .viewer)
        let stranger = try await Fixture.token(authority, tenant: "globex", role: .admin)
        let engine = try DocumentAndQueryAPITests.engine()
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            let body = ByteBuffer(string: #"{"type": "slack", "name": "Team bot", "fields": {"bot_token": "\#(Self.secret)", "base_url": "https://slack.test/api"}}"#)
            let created = try await client.execute(uri: "/api/v1/credentials", method: .post, headers: DocumentAndQueryAPITests.headers(editor, json: true), body: body)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            #expect(!String(buffer: created.body).contains("very-secret"))
            let credential = try DocumentAndQueryAPITests.json(created.body)
            let id = try #require(credential["id"] as? String)
            #expect(credential["secret_fields"] as? [String] == ["bot_token"] && credential["type"] as? String == "slack")
            #expect((credential["fields"] as? [String: String]) == ["base_url": "https://slack.test/api"])
            #expect(created.headers[.location] == "/api/v1/credentials/\(id)")

            let list = try await client.execute(uri: "/api/v1/credentials", method: .get, headers: DocumentAndQueryAPITests.headers(viewer))
            #expect(list.status == .ok && !String(buffer: list.body).contains("very-secret"))
            #expect((try DocumentAndQueryAPITests.json(list.body)["credentials"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
            let read = try await client.execute(uri: "/api/v1/credentials/\(id)", method: .get, headers: DocumentAndQueryAPITests.headers(viewer))
            #expect(read.status == .ok && !String(buffer: read.body).contains("very-secret"))
            let elsewhere = try await client.execute(uri: "/api/v1/credentials/\(id)", method: .get, headers: DocumentAndQueryAPITests.headers(stranger))
            #expect(elsewhere.status == .notFound)
            let notYours = try await client.execute(uri: "/api/v1/credentials/\(id)", method: .delete, headers: DocumentAndQueryAPITests.headers(stranger))
            #expect(notYours.status == .notFound)
            let byViewer = try await client.execute(uri: "/api/v1/credentials", method: .post, headers: DocumentAndQueryAPITests.headers(viewer, json: true), body: body)
            #expect(byViewer.status == .forbidden)

            let types = try await client.execute(uri: "/api/v1/credential-types", method: .get, headers: DocumentAndQueryAPITests.headers(viewer))
            let slack = (try DocumentAndQueryAPITests.json(types.body)["types"] as? [[String: Any]])?.first { $0["name"] as? String == "slack" }
            let token = (slack?["fields"] as? [[String: Any]])?.first { $0["name"] as? String == "bot_token" }
            #expect(token?["secret"] as? Bool == true)

            let deleted = try await client.execute(uri: "/api/v1/credentials/\(id)", method: .delete, headers: DocumentAndQueryAPITests.headers(editor))
            #expect(deleted.status == .noContent)
            let gone = try await client.execute(uri: "/api/v1/credentials/\(id)", method: .get, headers: DocumentAndQueryAPITests.headers(editor))
            #expect(gone.status == .notFound)
        }
        // The secret is nowhere in the data directory: the database, its log, the files beside it.
        for file in try FileManager.default.subpathsOfDirectory(atPath: engine.directory.path) {
            let data = (try? Data(contentsOf: engine.directory.appendingPathComponent(file))) ?? Data()
            #expect(data.range(of: Data("very-secret".utf8)) == nil, "the secret in clear in \(file)")
        }
    }

    @Test("an unknown type, a field the type lacks, a required field missing: 422 naming the field; a body that is not one: 400")
    func badInput() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let engine = try DocumentAndQueryAPITests.engine()
        try await DocumentAndQueryAPITests.application(authority, engine).test(.router) { client in
            for (text, status, field) in [
                (#"{"type": "carrier_pigeon", "name": "n", "fields": {}}"#, HTTPResponse.Status.unprocessableContent, "/type"),
                (#"{"type": "twilio", "name": "n", "fields": {"account_sid": "AC1", "auth_token": "t", "colour": "red"}}"#, .unprocessableContent, "/fields/colour"),
                (#"{"type": "twilio", "name": "n", "fields": {"account_sid": "AC1"}}"#, .unprocessableContent, "/fields/auth_token"),
                (#"{"type": "twilio", "name": "", "fields": {"account_sid": "AC1", "auth_token": "t"}}"#, .unprocessableContent, "/name"),
                (#"{"type": "twilio", "name": "n", "fields": {"account_sid": 7}}"#, .badRequest, "/fields/account_sid"),
                (#"{"type": "twilio", "name": "n", "fields": {}, "extra": 1}"#, .badRequest, "/extra"),
            ] {
                let response = try await client.execute(uri: "/api/v1/credentials", method: .post, headers: DocumentAndQueryAPITests.headers(editor, json: true),
                                                        body: ByteBuffer(string: text))
                #expect(response.status == status, "\(text): \(String(buffer: response.body))")
                #expect(try Fixture.errorBody(response).field == field, "\(text)")
            }
        }
    }
}
