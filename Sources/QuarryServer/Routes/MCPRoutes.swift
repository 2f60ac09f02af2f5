import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import QuarryCore

/// `/mcp`: Quarry's MCP server over streamable HTTP, stateless — each POST carries one JSON-RPC
/// message and gets its reply as JSON — behind the same bearer tokens as the API. `tools/call` is
/// answered here (``callTool(_:_:_:principal:logger:)``); any other message goes to an SDK
/// ``Server`` made for this request's caller (``QuarryMCP``). No session is needed: each reply is
/// matched to its request by id, and Quarry's tools keep no state between calls.
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
                let message = MCP.HTTPRequest(method: method.rawValue, headers: headers, body: body, path: request.uri.path)
                if let body, let envelope = try? JSONDecoder().decode(Envelope.self, from: body), envelope.method == CallTool.name, let id = envelope.id {
                    let answer = await callTool(id, body, message, principal: principal, logger: context.logger)
                    return try Self.response(answer)
                }
                let server = await mcp.server(for: principal, logger: context.logger)
                let transport = StatelessHTTPServerTransport(validationPipeline: Self.validation, logger: context.logger)
                try await server.start(transport: transport)
                let answer = await transport.handleRequest(message)
                await server.stop()
                return try Self.response(answer)
            }
        }
    }

    /// `tools/call`, the hot path of every assistant, answered without the SDK's `Server`: its
    /// handlers turn each result into JSON and back into the SDK's `Value`, which builds a regular
    /// expression for every string (to spot data URLs), about 0.1 ms each: 20 ms for one `ask`
    /// (measured with perf). The same checks (``validation``) and the same tool code
    /// (``QuarryMCP/call(_:principal:logger:)``), the reply written straight as JSON
    /// (``ToolReply``); every other method goes through the SDK.
    func callTool(_ id: MCP.ID, _ body: Data, _ message: MCP.HTTPRequest, principal: Principal, logger: Logger) async -> MCP.HTTPResponse {
        let context = HTTPValidationContext(httpMethod: "POST", sessionID: nil, isInitializationRequest: false, supportedProtocolVersions: Version.supported)
        if let refusal = Self.validation.validate(message, context: context) { return refusal }
        let data: Data?
        do {
            guard let call = try? JSONDecoder().decode(MCP.Request<CallTool>.self, from: body) else {
                throw MCPError.invalidParams("tools/call: params must be {\"name\": a tool, \"arguments\": an object}")
            }
            let answer = try await mcp.call(call.params, principal: principal, logger: logger)
            data = try? JSONEncoder().encode(ToolReply(id: id, answer: answer))
        } catch let error as MCPError {
            data = try? JSONEncoder().encode(CallTool.response(id: id, error: error))
        } catch {
            data = try? JSONEncoder().encode(CallTool.response(id: id, error: .internalError(ErrorMap.apiError(for: error, logger: logger).message)))
        }
        guard let data else { return .error(statusCode: 500, .internalError("the reply could not be encoded")) }
        return .data(data, headers: [HTTPHeaderName.contentType: "application/json"])
    }

    /// What a JSON-RPC message is, read before anything else of it.
    struct Envelope: Decodable {
        let id: MCP.ID?
        let method: String?
    }

    static func response(_ answer: MCP.HTTPResponse) throws -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers { if let name = HTTPField.Name(name) { fields[name] = value } }
        let body = answer.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
        return Response(status: .init(code: answer.statusCode), headers: fields, body: body)
    }
}
