import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbedding
import QuarryParsing

/// `quarry parse FILE`: the document as Quarry reads it (pages, blocks, status).
public struct ParseCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "parse", abstract: "Parse a PDF or HTML file and print its pages and blocks."
    )

    @Argument(help: "A PDF or HTML file.") var file: String
    @Option(help: "Password of an encrypted PDF.") var password: String?
    @Flag(help: "Print the document as JSON (DESIGN field names: pages[].number, pages[].text, status, …).") var json = false

    public init() {}

    public func run() async throws {
        let document = try DocumentFile.read(file, password: password)
        print(json ? try DocumentOutput.json(document) : DocumentOutput.summary(document) + "\n" + DocumentOutput.pages(document))
    }
}

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
        let tokenizer = try await reportingStartupErrors {
            let settings = try options.settings()
            do {
                return try WordPieceTokenizer(vocabularyFile: settings.modelDirectory + "/vocab.txt")
            } catch {
                throw ConfigurationError(key: SettingKey.modelDirectory.name, origin: settings.modelDirectory, reason: "\(error)")
            }
        }
        let document = try DocumentFile.read(file, password: password)
        let chunks = Chunker(counter: tokenizer, options: ChunkerOptions(maxTokens: maxTokens, overlapTokens: overlapTokens))
            .chunks(of: document)
        print(json ? try DocumentOutput.json(chunks) : DocumentOutput.chunks(chunks))
    }
}

/// Reading a file named on the command line, with one-line errors.
enum DocumentFile {
    static func read(_ path: String, password: String?) throws -> Document {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw ValidationError("cannot read \(path): \(error.localizedDescription)")
        }
        do {
            let source = DocumentParser.mediaType(of: data, filename: url.lastPathComponent).map {
                Document.Source(uri: url.absoluteString, filename: url.lastPathComponent, mediaType: $0)
            }
            return try DocumentParser.parse(
                data, tenant: Tenant.defaultName, source: source, filename: url.lastPathComponent, password: password
            )
        } catch {
            FileHandle.standardError.write(Data("quarry: \(path): \(error.description)\n".utf8))
            throw ExitCode(65)  // EX_DATAERR
        }
    }
}
