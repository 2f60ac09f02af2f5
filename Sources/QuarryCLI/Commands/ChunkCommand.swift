import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbedding
import QuarryParsing

/// `quarry chunk FILE`: the chunks the index would store for a file.
public struct ChunkCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chunk", abstract: "Parse a PDF or HTML file and print its chunks."
    )

    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "A PDF or HTML file.") var file: String
    @Option(help: "Password of an encrypted PDF.") var password: String?
    @Option(help: "Largest chunk in model tokens, [CLS] and [SEP] included.") var maxTokens = ChunkerOptions().maxTokens
    @Option(help: "Tokens repeated from the previous chunk when a section is cut mid-paragraph.")
    var overlapTokens = ChunkerOptions().overlapTokens
    @Flag(help: "Print the chunks as JSON.") var json = false

    public init() {}

    public func validate() throws {
        guard maxTokens >= 16 else { throw ValidationError("--max-tokens must be at least 16") }
        guard overlapTokens >= 0, overlapTokens < maxTokens else { throw ValidationError("--overlap-tokens must be between 0 and --max-tokens") }
    }

    public func run() async throws {
        let tokenizer = try await reportingStartupErrors { try Model.tokenizer(try options.settings()) }
        let document = try DocumentFile.read(file, password: password)
        let chunks = Chunker(counter: tokenizer, options: ChunkerOptions(maxTokens: maxTokens, overlapTokens: overlapTokens))
            .chunks(of: document)
        print(json ? try DocumentOutput.json(chunks) : DocumentOutput.chunks(chunks))
    }
}
