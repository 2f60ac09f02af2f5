import QuarryCore

/// Asks the configured chat model (`llm_url`: llama.cpp's server, vLLM, Ollama, OpenAI) for a
/// reply to a prompt that templates fill from the run: a summary of an answer, a reply to a
/// message, a label for a document. Runs on `ai`. The reply is streamed into the run's log as
/// it is written (lines whose data is `{"stream": "text", "part": n}`).
public struct LLMNode: NodeType {
    public let name = "llm"
    public let queue = "ai"
    public let summary = "Asks the configured LLM for a reply to a prompt (with an optional system message); outputs its text."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false, "required": ["prompt"],
         "properties": {
           "prompt": {"type": "string", "minLength": 1, "maxLength": 100000},
           "system": {"type": "string", "maxLength": 20000},
           "max_tokens": {"type": "integer", "minimum": 1, "maximum": 4096, "default": 256}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
        """#)
    public let defaultTimeout: Duration = .seconds(120)
    /// How often, at most, the reply written so far goes to the run's log.
    static let streamEvery: Duration = .milliseconds(250)

    /// nil when no LLM endpoint is configured: the node then fails at once, saying so.
    let model: (any ChatModel)?

    public init(model: (any ChatModel)?) {
        self.model = model
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        guard let model else {
            throw PermanentNodeError("no LLM is configured: set llm_url (and llm_model) to an OpenAI-compatible endpoint")
        }
        var messages: [ChatMessage] = []
        if let system = context.config["system"]?.string, !system.isEmpty { messages.append(ChatMessage(.system, system)) }
        messages.append(ChatMessage(.user, context.config["prompt"]?.string ?? ""))
        var text = ""
        var unlogged = ""
        var part = 0
        let clock = ContinuousClock()
        var lastLine = clock.now
        /// The reply so far goes to the run's log as it is written, a line at most every
        /// ``streamEvery``: a log followed live shows it growing.
        func logUnlogged() async {
            guard !unlogged.isEmpty else { return }
            part += 1
            await context.log(.info, unlogged, .object(["stream": .string("text"), "part": .int(Int64(part))]))
            unlogged = ""
            lastLine = clock.now
        }
        // A model or endpoint that fails (429, 5xx, unreachable after the client's retries) throws
        // here; the engine counts it as retryable, under the node's retry policy.
        for try await piece in model.reply(to: messages, maxTokens: Int(context.config["max_tokens"]?.int ?? 256)) {
            text += piece
            unlogged += piece
            if clock.now - lastLine >= Self.streamEvery { await logUnlogged() }
        }
        await logUnlogged()
        return NodeOutcome(output: .object(["text": .string(text.trimmingCharacters(in: .whitespacesAndNewlines))]))
    }
}
