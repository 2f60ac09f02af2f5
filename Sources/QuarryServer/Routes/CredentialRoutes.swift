import Foundation
import HTTPTypes
import Hummingbird
import QuarryCore
import QuarryWorkflow

/// `/api/v1/credentials`: editors create and delete a tenant's credentials, viewers list and read
/// them, secret fields shown by name only; `/api/v1/credential-types` says what each type holds.
struct CredentialRoutes {
    let credentials: Credentials
    static let maximumBodyBytes = 262_144

    func register(on api: RouterGroup<QuarryRequestContext>) {
        api.post("/credentials") { request, context in
            let principal = try context.require(.editor)
            let body = try await request.decodeJSON(NewCredentialBody.self, limit: Self.maximumBodyBytes)
            try body.check()
            let created = try await credentials.create(type: body.type, name: body.name, fields: body.fields, tenant: principal.tenant)
            var headers = HTTPFields()
            headers[.location] = "/api/v1/credentials/\(created.id)"
            return EditedResponse(status: .created, headers: headers, response: CredentialBody(created))
        }

        api.get("/credentials") { request, context in
            let principal = try context.require(.viewer)
            let page = try Paging(request, defaultLimit: 20, maximumLimit: 100)
            let found = try await credentials.credentials(tenant: principal.tenant, limit: page.limit, offset: page.offset)
            return CredentialList(credentials: found.map(CredentialBody.init), limit: page.limit, offset: page.offset)
        }

        api.get("/credentials/{id}") { _, context in
            let principal = try context.require(.viewer)
            return CredentialBody(try await credentials.credential(context.parameters.get("id") ?? "", tenant: principal.tenant))
        }

        api.delete("/credentials/{id}") { _, context in
            let principal = try context.require(.editor)
            try await credentials.delete(context.parameters.get("id") ?? "", tenant: principal.tenant)
            return Response(status: .noContent)
        }

        api.get("/credential-types") { _, context in
            _ = try context.require(.viewer)
            return CredentialTypeList(CredentialType.all)
        }
    }
}
