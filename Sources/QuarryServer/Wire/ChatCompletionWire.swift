import Foundation
import Hummingbird
import QuarryCore
import QuarryEngine

/// `POST /v1/chat/completions`'s body, as OpenAI's clients send it. Fields OpenAI defines that do
/// not apply to a grounded answer (`temperature`, `max_tokens`, `user`, …) are accepted and ignored,
/// since every client sends some of them; Quarry's own retrieval fields ride beside them (OpenAI
/// clients send them with `extra_body`).
struct ChatCompletionRequest: Decodable {
    /// One of ``ServedChatModel``'s ids.
    let model: String
    /// The last message whose role is `user`: its text is the query.
    let query: String
    let stream: Bool
    let topK: Int
    let mode: RetrievalMode
    let documentIds: [String]?
    let filters: [String: String]

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, n, topK = "top_k", mode, documentIds = "document_ids", filters
    }

    struct Message: Decodable {
        let role: String
        /// The text of the content: the string, or the text parts joined (other parts, images, are not read).
        let text: String

        enum CodingKeys: String, CodingKey { case role, content }
        struct Part: Decodable { let type: String; let text: String? }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(String.self, forKey: .role)
            if try !container.contains(.content) || container.decodeNil(forKey: .content) {
                text = ""
            } else if let string = try? container.decode(String.self, forKey: .content) {
                text = string
            } else if let parts = try? container.decode([Part].self, forKey: .content) {
                text = parts.filter { $0.type == "text" }.compactMap(\.text).joined(separator: "\n")
            } else {
                let pointer = jsonPointer(container.codingPath + [CodingKeys.content])
                throw RequestError.malformed("\(pointer) must be a string or an array of content parts", field: pointer)
            }
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        let messages = try container.decode([Message].self, forKey: .messages)
        guard let last = messages.last(where: { $0.role == "user" }) else {
            throw RequestError.malformed("messages must hold a message with role \"user\": its text is the question", field: "/messages")
        }
        query = last.text
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        if let n = try container.decodeIfPresent(Int.self, forKey: .n), n != 1 {
            throw RequestError.malformed("n must be 1: a grounded answer has one choice", field: "/n")
        }
        topK = try container.decodeOptional(Int.self, forKey: .topK) ?? QueryRequest.defaultTopK
        mode = try container.decodeChoice(RetrievalMode.self, forKey: .mode) ?? .hybrid
        documentIds = try container.decodeOptional([String].self, forKey: .documentIds)
        filters = try container.decodeOptional([String: String].self, forKey: .filters) ?? [:]
    }

    func queryRequest(answer: QueryRequest.AnswerMode) -> QueryRequest {
        QueryRequest(query: query, topK: topK, mode: mode, answer: answer, documentIds: documentIds, metadata: filters)
    }
}

/// The chat models `/v1/models` lists and `/v1/chat/completions` answers as: each answers from the
/// caller's corpus; they differ in who writes the answer.
enum ServedChatModel: String, CaseIterable {
    /// The language model of `llm_url` when one is configured (`answer: "llm"`), else extractive.
    case quarry
    /// Always the extractive answer: sentences of the retrieved passages, no language model.
    case extractive = "quarry-extractive"

    func answerMode(of retriever: Retriever) -> QueryRequest.AnswerMode {
        self == .quarry ? retriever.groundedAnswer : .extractive
    }
}

/// A whole chat completion: OpenAI's shape, plus `citations` (Quarry's, as `POST /api/v1/rag/query`
/// gives them) where the answer's `[n]` markers point.
struct ChatCompletionBody: ResponseEncodable {
    struct Choice: Encodable {
        struct Message: Encodable {
            var role = "assistant"
            let content: String
        }

        var index = 0
        let message: Message
        var finishReason = "stop"

        enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason" }
    }

    let id: String
    var object = "chat.completion"
    let created: Int
    let model: String
    let choices: [Choice]
    let citations: [CitationBody]

    init(id: String, created: Int, model: String, response: QueryResponse) {
        self.id = id
        self.created = created
        self.model = model
        choices = [Choice(message: .init(content: response.answer?.text ?? Answer.notFound))]
        citations = response.citations.map(CitationBody.init)
    }
}

/// One `data:` event of a streamed chat completion (`chat.completion.chunk`): the first carries the
/// role and the citations, the middle ones the answer's text, the last an empty delta and `finish_reason`.
struct ChatCompletionChunkBody: Encodable {
    struct Delta: Encodable {
        var role: String? = nil
        var content: String? = nil
    }

    struct Choice: Encodable {
        var index = 0
        let delta: Delta
        let finishReason: String?

        enum CodingKeys: String, CodingKey { case index, delta, finishReason = "finish_reason" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)  // null until the last chunk, as OpenAI sends it
        }
    }

    let id: String
    var object = "chat.completion.chunk"
    let created: Int
    let model: String
    let choices: [Choice]
    var citations: [CitationBody]? = nil
}

/// `GET /v1/models`.
struct ModelListBody: ResponseEncodable {
    struct Model: Encodable {
        let id: String
        var object = "model"
        let created: Int
        var ownedBy = "quarry"

        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }

    var object = "list"
    let data: [Model]
}
