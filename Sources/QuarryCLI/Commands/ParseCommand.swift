import ArgumentParser
import Foundation
import QuarryCore
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
