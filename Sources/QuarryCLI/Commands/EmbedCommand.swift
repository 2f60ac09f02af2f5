import ArgumentParser
import Foundation
import QuarryEmbedding

/// `quarry embed TEXT…`: the vectors Quarry computes for texts, in process.
public struct EmbedCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "embed", abstract: "Embed texts with all-MiniLM-L6-v2 and print the vectors."
    )

    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "Texts to embed.") var texts: [String]
    @Flag(help: "Print one JSON object: model, dimensions, embeddings.") var json = false
    @Flag(help: "Include the model's input token ids.") var tokens = false

    public init() {}

    public func run() async throws {
        let embedder = try await reportingStartupErrors { try Model.embedder(try options.settings()) }
        let ids = embedder.tokens(texts)
        let vectors = embedder.encoder.embed(ids)
        if json {
            struct Output: Encodable {
                let model: String
                let dimensions: Int
                let embeddings: [[Float]]
                let tokens: [[Int32]]?
            }
            print(try DocumentOutput.json(Output(
                model: embedder.modelName, dimensions: embedder.dimensions, embeddings: vectors, tokens: tokens ? ids : nil
            )))
            return
        }
        for (index, vector) in vectors.enumerated() {
            if tokens { print("tokens: " + ids[index].map(String.init).joined(separator: " ")) }
            print("[" + vector.map { String(format: "%.6f", $0) }.joined(separator: ", ") + "]")
        }
    }
}
