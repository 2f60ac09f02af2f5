import Foundation
import QuarryCore
import QuarryHTTP
import QuarryTestSupport
import QuarryWorkflow
import Testing

/// The email connector through libcurl's SMTP against a real SMTP server (aiosmtpd): STARTTLS
/// and SMTPS with AUTH under a private CA, the MIME it builds, and what it does with each reply.
@Suite("email connector", .serialized)
struct EmailConnectorTests {
    @Test("the SMTP test server is held to smtplib and curl: STARTTLS before AUTH, AUTH before MAIL, SMTPS, faults")
    func serverMatchesClients() async throws {
        let result = try await offPool { try execute(Venv.python, [repositoryRoot.path + "/scripts/testservers/check_smtp_server.py"], timeLimit: 300) }
        let last = result.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        #expect(result.status == 0 && last.hasSuffix(" 0 failed"), "\(result.standardOutput.suffix(3000))\n\(result.standardError.suffix(2000))")
    }

    static func run(_ setup: WorkflowEngineTests.Setup, _ nodes: [Workflow.Node]) async throws -> Run {
        let workflow = Workflow(id: "mail-\(UUID().uuidString.prefix(8))", tenant: "acme", name: "mail", nodes: [.init(id: "start", type: "trigger")] + nodes,
                                edges: nodes.map { .init(from: "start", to: $0.id) })
        try setup.engine.check(workflow)
        #expect(try await setup.store.createWorkflow(workflow))
        return await setup.finished(try await setup.engine.start(workflow, inputs: .object(["city": .string("Brest")])))
    }

    @Test("an email with text, HTML and a document attached goes over STARTTLS with AUTH, and over SMTPS; its Message-ID is the output and the same on a retry after a 451; a refused login fails once",
          arguments: WorkflowEngineTests.Deployment.allCases)
    func sends(deployment: WorkflowEngineTests.Deployment) async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let setup = try WorkflowEngineTests.setup(deployment, mailCA: server.caFile)
        let pdf = Data("%PDF-1.4 not really, but bytes: \u{0}\u{1}\u{2}\u{FF}".utf8)
        try await setup.store.save(DocumentRecord(id: "doc-tides", tenant: "acme", source: .init(uri: "tides.pdf", filename: "tides.pdf", mediaType: .pdf)))
        try await setup.store.saveBytes(pdf, document: "doc-tides", tenant: "acme")
        func credential(_ security: String, port: Int, password: String? = nil) async throws -> String {
            try await setup.credentials.create(type: "smtp", name: security, fields: [
                "host": "127.0.0.1", "port": String(port), "security": security, "username": server.user, "password": password ?? server.password,
                "from": "quarry@tides.example",
            ], tenant: "acme").id
        }
        let starttls = try await credential("starttls", port: server.port("starttls"))
        let tls = try await credential("tls", port: server.port("tls"))
        let wrong = try await credential("starttls", port: server.port("starttls"), password: "not-the-password-123")
        try server.fault(reply: "451 4.3.0 try again later", at: "DATA")

        let run = try await Self.run(setup, [
            .init(id: "report", type: "email", config: [
                "credential": .string(starttls), "to": .array([.string("ops@tides.example"), .string("lead@tides.example")]), "cc": .string("cc@tides.example"),
                "subject": .string("Marée à {{ trigger.city }}"), "text": .string("High tide at 14:02."), "html": .string("<p>High tide at <b>14:02</b>.</p>"),
                "attachments": .array([.object(["document_id": .string("doc-tides")])]),
            ], retry: .init(maxAttempts: 3, backoffSeconds: 0.1)),
        ])
        #expect(run.status == .succeeded && run.nodes["report"]?.attempt == 2, "the 451 was tried again: \(run.nodes["report"].map { "\($0)" } ?? "")")
        let smtps = try await Self.run(setup, [.init(id: "note", type: "email", config: ["credential": .string(tls), "to": .string("ops@tides.example"),
                                                                                         "subject": .string("plain"), "text": .string("over SMTPS")])])
        #expect(smtps.status == .succeeded)
        let denied = try await Self.run(setup, [.init(id: "denied", type: "email", config: ["credential": .string(wrong), "to": .string("ops@tides.example"),
                                                                                            "subject": .string("x"), "text": .string("x")])])
        #expect(denied.nodes["denied"]?.status == .failed && denied.nodes["denied"]?.attempt == 1, "a refused login is not tried again")
        #expect(denied.nodes["denied"]?.error?.contains("refused (535)") == true, "\(denied.nodes["denied"]?.error ?? "")")
        #expect(!"\(denied)".contains("not-the-password-123"))

        let messages = try server.messages()
        #expect(messages.count == 2, "the 451'd attempt left nothing; the retry and the SMTPS note arrived")
        let report = try #require(messages.first { $0["mode"] == .string("starttls") })
        #expect(report["tls"] == .bool(true) && report["user"] == .string(server.user))
        #expect(report["mail_from"] == .string("quarry@tides.example"))
        #expect(Set(report["rcpt_tos"]?.arrayValue?.compactMap(\.string) ?? []) == ["ops@tides.example", "lead@tides.example", "cc@tides.example"])
        let headers = report["headers"]?.objectValue ?? [:]
        #expect(headers["Subject"] == .string("Marée à Brest"))
        #expect(headers["Message-ID"] == run.nodes["report"]?.output?.objectValue?["message_id"])
        #expect(headers["Message-ID"]?.string?.hasSuffix(".quarry@tides.example>") == true)
        #expect(report["text"]?.string?.replacingOccurrences(of: "\r\n", with: "\n") == "High tide at 14:02.")
        #expect(report["html"]?.string?.contains("<b>14:02</b>") == true)
        let attachment = try #require(report["parts"]?.arrayValue?.compactMap(\.objectValue).first { $0["disposition"] == .string("attachment") })
        #expect(attachment["filename"] == .string("tides.pdf") && attachment["content_type"] == .string("application/pdf"))
        #expect(attachment["bytes_base64"] == .string(pdf.base64EncodedString()), "the document's bytes, exactly")
        #expect(messages.contains { $0["mode"] == .string("tls") && $0["tls"] == .bool(true) })
    }

    @Test("the SMTP host goes through the SSRF guard: a private address is refused unless allowed, and nothing is sent")
    func guarded() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let mail = OutboundMail(server: MailServer(host: "127.0.0.1", port: server.port("plain"), security: .none), from: "a@x.example",
                                recipients: ["b@x.example"], message: Data("Subject: x\r\n\r\nx\r\n".utf8), timeout: .seconds(5))
        await #expect(throws: MailFailure.self) { try await SMTPTransport(urlGuard: URLGuard(allowPrivate: false)).send(mail) }
        #expect(try server.messages().isEmpty)
        try await SMTPTransport(urlGuard: URLGuard(allowPrivate: true)).send(mail)
        #expect(try server.messages().count == 1, "allowed, the plain relay takes it")
    }
}
