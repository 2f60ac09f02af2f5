import Foundation
import QuarryCore

/// A ``ChatModel`` over any OpenAI-compatible `POST …/chat/completions` endpoint, streamed
/// (`stream: true`, server-sent events of `choices[0].delta.content`, ended by `[DONE]`).
/// Temperature 0: the same sources and question give the same answer.
public struct OpenAIChatModel: ChatModel {
    public enum ChatError: Error, CustomStringConvertible {
        case malformed(String)

        public var description: String {
            switch self {
            case .malformed(let reason): "the chat endpoint answered something unexpected: \(reason)"
            }
        }
    }

    /// The endpoint's base, e.g. `http://127.0.0.1:8080/v1`.
    public let baseURL: String
    public let modelName: String
    private let apiKey: String?
    private let client: HTTPClient
    private let timeout: Duration

    public init(baseURL: String, model: String, apiKey: String? = nil, timeout: Duration = .seconds(120), client: HTTPClient = HTTPClient()) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        modelName = model
        self.apiKey = apiKey
        self.timeout = timeout
        self.client = client
    }

    struct Body: Encodable {
        let model: String
        let messages: [ChatMessage]
        let stream = true
        let temperature = 0.0
        let max_tokens: Int
    }

    struct Delta: Decodable {
        struct Choice: Decodable {
            struct Content: Decodable { let content: String? }
            let delta: Content?
        }
        let choices: [Choice]
    }

    public func reply(to messages: [ChatMessage], maxTokens: Int) -> AsyncThrowingStream<String, any Error> {
        var headers = [("Content-Type", "application/json"), ("Accept", "text/event-stream")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let body: Data
        do {
            body = try JSONEncoder().encode(Body(model: modelName, messages: messages, max_tokens: maxTokens))
        } catch {
            return AsyncThrowingStream { $0.finish(throwing: error) }
        }
        let bytes = client.stream(HTTPRequest(method: "POST", url: baseURL + "/chat/completions", headers: headers, body: body, timeout: timeout))
        return AsyncThrowingStream { continuation in
            let task = Task {
                var reader = ServerSentEventReader()
                do {
                    for try await piece in bytes {
                        for event in reader.feed(piece) {
                            if event.data == "[DONE]" {
                                continuation.finish()
                                return
                            }
                            guard let delta = try? JSONDecoder().decode(Delta.self, from: Data(event.data.utf8)) else {
                                throw ChatError.malformed("an event that is not a chat completion chunk: \(event.data.prefix(200))")
                            }
                            if let text = delta.choices.first?.delta?.content, !text.isEmpty { continuation.yield(text) }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
