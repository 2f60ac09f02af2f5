import ArgumentParser
import Foundation
import QuarryCore
import QuarryEngine
import QuarryServer

/// `quarry index PATH…|URL…`: one bulk index job, run here on the data directory, or submitted to
/// a server (`--server`) and followed there. Either way the same progress and the same summary.
public struct IndexCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Index PDF, HTML and .txt files, folders (recursively) and URLs.",
        discussion: """
        Without --server: the job runs here, in the data directory, with progress on stderr. \
        Unchanged files (same bytes) are skipped; a changed file replaces its older version. \
        Interrupted, it resumes where it stopped when run again.

        With --server URL: the paths and URLs go to POST /api/v1/index-jobs and the job is followed \
        until it ends (Ctrl-C stops following, not the job). Paths are sent absolute and must lie \
        inside the server's index_root, as its workers see them; a token comes from --token or \
        QUARRY_TOKEN.

        Ends with the failures and their reasons; the exit status is 1 when any item failed.
        """
    )

    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "Files, folders, or http(s) URLs.") var sources: [String]
    @Option(help: "The tenant that owns the documents (without --server; a server takes the token's).") var tenant = Tenant.defaultName
    @Option(help: ArgumentHelp("A Quarry server to submit the job to, e.g. https://quarry.example.com.", valueName: "url")) var server: String?
    @Option(help: ArgumentHelp("Bearer token for --server (default: $QUARRY_TOKEN).", valueName: "token")) var token: String?
    @Flag(help: "Print the finished job as JSON, the body GET /api/v1/index-jobs/{id} answers (counts, pages, chunks, failures).") var json = false

    public init() {}

    /// The arguments split into URLs and paths, paths made absolute.
    var request: (paths: [String], urls: [String]) {
        let isURL = { (source: String) in source.lowercased().hasPrefix("http://") || source.lowercased().hasPrefix("https://") }
        let cwd = FileManager.default.currentDirectoryPath
        let paths = sources.filter { !isURL($0) }.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 }
        return (paths, sources.filter(isURL))
    }

    public func run() async throws {
        let (paths, urls) = request
        let body: IndexJobBody
        if let server {
            guard let token = token ?? ProcessInfo.processInfo.environment["QUARRY_TOKEN"], !token.isEmpty else {
                throw ValidationError("--server needs a token: --token or QUARRY_TOKEN")
            }
            body = try await RemoteIndexJob(server: server, token: token).run(paths: paths, urls: urls)
        } else {
            body = try await runHere(paths: paths, urls: urls)
        }
        let failures = body.failures ?? []
        if json {
            print(try DocumentOutput.json(body))
        } else {
            let failed = body.count(.failed) + body.count(.needsOCR)
            print("indexed \(body.count(.indexed)), unchanged \(body.count(.unchanged)), failed \(failed)"
                  + (body.status == .canceled ? " (canceled: \(body.count(.canceled)) not indexed)" : ""))
            for failure in failures { print("  \(failure.source): \(failure.reason)") }
        }
        if !failures.isEmpty || body.status == .canceled { throw ExitCode(1) }
    }

    /// Runs the job in this process: the user's own files, so any path they can read.
    func runHere(paths: [String], urls: [String]) async throws -> IndexJobBody {
        let runtime = try await reportingStartupErrors { try EngineRuntime.open(try options.settings(), indexRoot: IndexRoot("/")) }
        let jobs = runtime.indexJobs
        let job: IndexJob
        do {
            job = try await jobs.create(paths: paths, urls: urls, tenant: tenant)
        } catch let refusal as IndexJobs.Refusal {
            throw ValidationError(refusal.description)
        }
        let worker = runtime.workers(on: [IngestPipeline.queueName])[0]
        let progress = ProgressLine()
        var drawn = ContinuousClock.now - .seconds(1)
        while true {
            // Jobs an earlier, interrupted run left behind run too; those it held come back when their lease lapses.
            let ran = try await worker.runOne()
            guard !ran || ContinuousClock.now - drawn >= .milliseconds(500) else { continue }
            drawn = ContinuousClock.now
            let current = try await jobs.store.indexJob(job.id, tenant: tenant) ?? job
            let body = IndexJobBody(current, progress: try await jobs.progress(of: current))
            let idle = try await runtime.queue.depth(queue: IngestPipeline.queueName) == 0
            progress.update(Self.line(body), done: idle)
            if idle { return body }
            if !ran {
                progress.update("waiting for jobs held by an earlier run or another worker to come back", done: false)
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// One line of progress: items done of all, per stage, rate and ETA.
    static func line(_ body: IndexJobBody) -> String {
        let working: [IndexJobProgress.Stage] = [.pending, .queued, .parsing, .chunking, .embedding]
        let done = body.total - working.map(body.count).reduce(0, +)
        var parts = ["\(done)/\(body.total) done"]
        for stage in IndexJobProgress.Stage.allCases where body.count(stage) > 0 {
            parts.append("\(stage.rawValue) \(body.count(stage))")
        }
        if let documents = body.documentsPerSecond, let pages = body.pagesPerSecond {
            parts.append(String(format: "%.1f docs/s, %.1f pages/s", documents, pages))
        }
        if let eta = body.etaSeconds, !body.isFinished { parts.append("ETA " + Duration.seconds(eta).formatted(.time(pattern: .hourMinuteSecond))) }
        return parts.joined(separator: " · ")
    }
}
