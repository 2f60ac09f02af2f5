import ArgumentParser
import QuarryCLI

/// The `quarry` executable: one binary, several roles (Docs/ARCHITECTURE.md).
@main
struct QuarryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarry",
        abstract: "Quarry: self-hosted RAG search and indexing.",
        subcommands: [ServeCommand.self, WorkerCommand.self, SchedulerCommand.self, TokenCommand.self, CredentialsCommand.self, ParseCommand.self, ChunkCommand.self, EmbedCommand.self, IndexCommand.self, AskCommand.self, EvalCommand.self, BenchCommand.self, MCPCommand.self]
    )
}
