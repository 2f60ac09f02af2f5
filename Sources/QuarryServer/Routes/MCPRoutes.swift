import Foundation
import HTTPTypes
import Hummingbird
import MCP
import QuarryCore

/// `/mcp`: Quarry's MCP server over streamable HTTP, stateless — each POST carries one JSON-RPC
/// message and gets its reply as JSON — behind the same bearer tokens as the API. A ``Server`` is
/// made per request for its caller (``QuarryMCP``); it needs no session, since each reply is
/// matched to its request by id and Quarry's tools keep no state between calls.
struct MCPRoutes {
    let mcp: QuarryMCP
    static let maximumBodyBytes = 256 * 1024
    /// The SDK's default also checks `Origin`/`Host` against localhost, for servers without
    /// authentication; Quarry's bearer token is what a page of another site cannot send.
    static let validation = StandardValidationPipeline(validators: [
        AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
    ])

    func register(on group: RouterGroup<QuarryRequestContext>) {
        // GET (a server-sent stream) and DELETE (ending a session) have nothing to do here: the
        // transport answers them 405 with `Allow: POST`, as the protocol expects of a stateless server.
        for method in [HTTPRequest.Method.post, .get, .delete] {
            group.on("", method: method) { request, context in
                let principal = try context.require(.viewer)
                let body = method == .post ? try await request.collectBody(limit: Self.maximumBodyBytes) : nil
                var headers: [String: String] = [:]
                for field in request.headers where field.name != .authorization { headers[field.name.canonicalName] = field.value }
                let server = await mcp.server(for: principal, logger: context.logger)
                let transport = StatelessHTTPServerTransport(validationPipeline: Self.validation, logger: context.logger)
                try await server.start(transport: transport)
                let answer = await transport.handleRequest(MCP.HTTPRequest(method: method.rawValue, headers: headers, body: body, path: request.uri.path))
                await server.stop()
                return try Self.response(answer)
            }
        }
    }

    static func response(_ answer: MCP.HTTPResponse) throws -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers { if let name = HTTPField.Name(name) { fields[name] = value } }
        let body = answer.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
        return Response(status: .init(code: answer.statusCode), headers: fields, body: body)
    }
}
