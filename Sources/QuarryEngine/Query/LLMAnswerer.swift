import Foundation
import QuarryCore

/// The LLM answer (`answer: "llm"`): the top chunks, numbered, in the prompt of a chat model; its
/// reply streamed on as it is written, with `[n]` markers checked against the sources given
/// (invented ones dropped). No sources means no answer, without asking the model.
public struct LLMAnswerer: Sendable {
    public let model: any ChatModel
    /// Chunks in the prompt: the best-ranked ones.
    public var sources = 4
    /// Characters of each chunk in the prompt: small models lose the question in long prompts.
    public var charactersPerSource = 1200
    public var maxTokens = 256

    public init(model: any ChatModel) {
        self.model = model
    }

    static let instructions = """
        You answer questions using only the numbered sources below. After each statement, cite the \
        source it comes from by its number in square brackets, like [1]. If the sources do not \
        contain the answer, reply exactly: I don't know.
        """

    /// A model that declines says one of these first.
    static let declines = ["i don't know", "i do not know", "i dont know"]

    func messages(query: String, sources: [(number: Int, title: String?, text: String)]) -> [ChatMessage] {
        let numbered = sources.map { source in
            let title = source.title.map { "\($0)\n" } ?? ""
            return "[\(source.number)] \(title)\(source.text.prefix(charactersPerSource))"
        }
        let user = "Sources:\n\n" + numbered.joined(separator: "\n\n") + "\n\nQuestion: \(query)"
        return [ChatMessage(.system, Self.instructions), ChatMessage(.user, user)]
    }

    /// Writes the answer, handing each checked piece of text to `onText` as it is decided.
    func answer(
        query: String, hits: [(number: Int, title: String?, text: String)], onText: (String) async -> Void
    ) async throws -> Answer {
        let given = Array(hits.prefix(sources))
        guard !given.isEmpty else {
            await onText(Answer.notFound)
            return Answer(text: Answer.notFound, found: false)
        }
        var filter = CitationFilter(sources: given.count)
        var text = ""
        do {
            for try await piece in model.reply(to: messages(query: query, sources: given), maxTokens: maxTokens) {
                let shown = filter.feed(piece)
                guard !shown.isEmpty else { continue }
                text += shown
                await onText(shown)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw QueryError.modelFailed("\(error)")
        }
        let rest = filter.finish()
        text += rest
        if !rest.isEmpty { await onText(rest) }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { await onText(Answer.notFound) }
        let declined = trimmed.isEmpty || Self.declines.contains { trimmed.lowercased().hasPrefix($0) }
        return Answer(text: trimmed.isEmpty ? Answer.notFound : trimmed, found: !declined)
    }
}
