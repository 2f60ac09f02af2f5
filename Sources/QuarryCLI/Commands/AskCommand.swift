import ArgumentParser
import Foundation
import QuarryCore
import QuarryEngine
import QuarryServer

extension QueryRequest.AnswerMode: ExpressibleByArgument {}

/// `quarry ask "…"`: a question against the data directory's index, answered with citations.
public struct AskCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ask", abstract: "Ask a question of the indexed documents; the answer comes with citations."
    )

    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "The question.") var question: String
    @Option(name: .customLong("top-k"), help: "Chunks to retrieve and cite.") var topK = 5
    @Option(help: "hybrid, dense or sparse.") var mode: RetrievalMode = .hybrid
    @Option(help: "extractive, llm (streamed as it is written; needs llm_url) or none.") var answer: QueryRequest.AnswerMode = .extractive
    @Option(help: "The tenant whose documents are searched.") var tenant = Tenant.defaultName
    @Flag(help: "Print the whole response as JSON (answer, citations, hits, timings).") var json = false

    public init() {}

    public func run() async throws {
        let runtime = try await reportingStartupErrors { try EngineRuntime.open(try options.settings()) }
        // An LLM's answer is printed as the model writes it.
        let streaming = answer == .llm && !json
        var events: (@Sendable (QueryEvent) async -> Void)?
        if streaming {
            events = { @Sendable event in
                if case .answerText(let piece) = event { FileHandle.standardOutput.write(Data(piece.utf8)) }
            }
        }
        let response: QueryResponse
        do {
            let request = QueryRequest(query: question, topK: topK, mode: mode, answer: answer)
            response = try await runtime.retriever.query(request, tenant: tenant, events: events)
        } catch let error as QueryError {
            throw ValidationError(error.description)
        }
        if json {
            print(try DocumentOutput.json(QueryResponseBody(response)))  // as the API answers it
            return
        }
        if let answer = response.answer { print(streaming ? "\n" : answer.text + "\n") }
        for citation in response.citations {
            let place = "\(citation.title ?? citation.documentId), page \(citation.page), characters \(citation.charStart)–\(citation.charEnd)"
            print("[\(citation.number)] \(place)\n    \(citation.source)")
        }
        if response.citations.isEmpty { print("(nothing indexed matches)") }
    }
}
