import ArgumentParser
import Foundation
import QuarryCore
import QuarryEngine

/// `quarry index PATH…`: indexes files and folders into the data directory, as uploads are.
public struct IndexCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Index PDF, HTML and .txt files and folders (recursively).",
        discussion: """
        Each file is stored and queued as an ingest job in the data directory, then the jobs run here \
        with progress on stderr. Unchanged files (same bytes) are skipped; a changed file replaces its \
        older version. Interrupted, it resumes where it stopped when run again. Ends with the failures \
        and their reasons; the exit status is 1 when any file failed.
        """
    )

    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "Files or folders.") var paths: [String]
    @Option(help: "The tenant that owns the documents.") var tenant = Tenant.defaultName

    public init() {}

    static let extensions: Set<String> = ["pdf", "html", "htm", "xhtml", "txt"]

    public func run() async throws {
        let runtime = try await reportingStartupErrors { try EngineRuntime.open(try options.settings()) }
        let pipeline = runtime.pipeline
        var failures: [(String, String)] = []
        var submitted: [(path: String, id: String)] = []
        var unchanged = 0
        for path in try Self.files(in: paths) {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                let uri = URL(fileURLWithPath: path).standardizedFileURL.absoluteString
                switch try await pipeline.submit(data, tenant: tenant, uri: uri, filename: (path as NSString).lastPathComponent) {
                case .queued(let record): submitted.append((path, record.id))
                case .unchanged(let record):
                    // Queued by an earlier, interrupted run: its job is still waiting and runs now.
                    if record.status == .indexed || record.status == .needsOCR { unchanged += 1 } else { submitted.append((path, record.id)) }
                }
            } catch {
                failures.append((path, "\(error)"))
            }
        }
        let pending = try await runtime.queue.depth(queue: IngestPipeline.queueName)
        FileHandle.standardError.write(Data("\(submitted.count) to index, \(unchanged) unchanged, \(failures.count) unreadable; \(pending) jobs queued\n".utf8))

        let worker = JobWorker(queue: runtime.queue, queueName: IngestPipeline.queueName, actors: pipeline.actors)
        let progress = ProgressLine()
        let start = ContinuousClock.now
        var done = 0
        // Jobs still leased by a run that died come back when their lease lapses: wait for them.
        while try await runtime.queue.depth(queue: IngestPipeline.queueName) > 0 {
            guard try await worker.runOne() else {
                progress.update("waiting for jobs leased by an earlier run or another worker to come back", done: false)
                try await Task.sleep(for: .seconds(1))
                continue
            }
            done += 1
            let remaining = try await runtime.queue.depth(queue: IngestPipeline.queueName)
            let elapsed = (ContinuousClock.now - start).seconds
            let rate = Double(done) / max(elapsed, 0.001)
            let eta = Double(remaining) / max(rate, 0.001)
            progress.update(String(format: "documents %d done, %d left, %.1f/s, ETA %.0f s", done, remaining, rate, eta), done: remaining == 0)
        }

        var indexed = 0
        for (path, id) in submitted {
            guard let record = try await runtime.store.record(id, tenant: tenant) else { continue }
            switch record.status {
            case .indexed: indexed += 1
            case .failed, .needsOCR: failures.append((path, record.error ?? record.status.rawValue))
            default: failures.append((path, "still \(record.status.rawValue): it will be retried (run quarry index again)"))
            }
        }
        print("indexed \(indexed), unchanged \(unchanged), failed \(failures.count)")
        for (path, reason) in failures { print("  \(path): \(reason)") }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// The documents under `paths`, sorted; a folder is searched recursively for known extensions.
    static func files(in paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("\(path): no such file or folder")
            }
            if isDirectory.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: path)
                while let name = enumerator?.nextObject() as? String {
                    if extensions.contains((name as NSString).pathExtension.lowercased()) { files.append(path + "/" + name) }
                }
            } else {
                files.append(path)
            }
        }
        return files.sorted()
    }
}
