/// A chat-completion model that writes answers (DESIGN.md §2: any OpenAI-compatible chat
/// endpoint — llama.cpp's server, vLLM, Ollama, OpenAI). Text arrives in pieces as the model
/// writes it, so an answer can be streamed to the client while it is generated.
public protocol ChatModel: Sendable {
    /// Streams the reply to `messages`, at most `maxTokens` long; the stream ends when the model
    /// stops and throws when the endpoint fails.
    func reply(to messages: [ChatMessage], maxTokens: Int) -> AsyncThrowingStream<String, any Error>
}

public struct ChatMessage: Sendable, Codable, Equatable {
    public enum Role: String, Sendable, Codable { case system, user, assistant }

    public var role: Role
    public var content: String

    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}
