import Foundation
import Hummingbird
import QuarryCore

/// `POST /api/v1/credentials`: a type, a name for people, and the fields (every value a string).
struct NewCredentialBody: Decodable {
    let type: String
    let name: String
    let fields: [String: String]

    enum CodingKeys: String, CodingKey, CaseIterable { case type, name, fields }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        name = try container.decode(String.self, forKey: .name)
        fields = try container.decode([String: String].self, forKey: .fields)
    }

    /// Bounds a person's input: a name to 200 characters, a field's value to 64 kB (a service
    /// account's key is the longest, about 2.5 kB).
    func check() throws {
        guard (1...200).contains(name.count) else { throw InvalidField("/name", "a name takes 1 to 200 characters") }
        for (field, value) in fields where value.utf8.count > 65_536 {
            throw InvalidField("/fields/\(field.prefix(100))", "a field's value is at most 64 kB")
        }
    }
}

/// A credential as the API shows it: the fields that are not secret, and the names of the secret
/// ones that are set, never their values.
struct CredentialBody: ResponseEncodable {
    let id: String
    let type: String
    let name: String
    let fields: [String: String]
    let secretFields: [String]
    let createdAt: Date
    let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, type, name, fields, secretFields = "secret_fields", createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ credential: Credential) {
        id = credential.id
        type = credential.type
        name = credential.name
        fields = credential.fields
        secretFields = credential.sealed.keys.sorted()
        createdAt = credential.createdAt
        updatedAt = credential.updatedAt
    }
}

struct CredentialList: ResponseEncodable {
    let credentials: [CredentialBody]
    let limit: Int
    let offset: Int
}

/// `GET /api/v1/credential-types`: what each type holds, which fields are secret and required.
struct CredentialTypeList: ResponseEncodable {
    struct Field: Encodable {
        let name: String
        let secret: Bool
        let required: Bool
        let description: String
    }

    struct TypeBody: Encodable {
        let name: String
        let description: String
        let fields: [Field]
        /// Fields of which a credential needs at least one.
        let oneOf: [String]
        /// Fields that come together or not at all.
        let together: [String]

        enum CodingKeys: String, CodingKey { case name, description, fields, oneOf = "one_of", together }
    }

    let types: [TypeBody]

    init(_ types: [CredentialType]) {
        self.types = types.map { type in
            TypeBody(name: type.name, description: type.summary,
                     fields: type.fields.map { Field(name: $0.name, secret: $0.secret, required: $0.required, description: $0.summary) }, oneOf: type.oneOf,
                     together: type.together)
        }
    }
}
