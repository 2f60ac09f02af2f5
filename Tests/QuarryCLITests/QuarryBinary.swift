import Foundation
import QuarryTestSupport
import Testing

/// The built `quarry` executable, run as a user would run it.
enum QuarryBinary {
    static var path: String {
        ProcessInfo.processInfo.environment["QUARRY_BINARY"] ?? repositoryRoot.appendingPathComponent(".build/debug/quarry").path
    }

    /// The environment without any `QUARRY_*` of the caller's but the cache and the kernel cap
    /// (the suite's portable run forces the portable kernels in every process), plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QUARRY_") || ["QUARRY_CACHE", "QUARRY_KERNELS"].contains($0.key) }
            .merging(extra) { $1 }
    }

    static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProgramResult {
        try execute(path, arguments, environment: environment(extra))
    }
}

/// `quarry serve` in a child process: started on a free port, stopped with SIGTERM.
final class ServeProcess {
    let process = Process()
    let url: String
    /// Standard output up to and including the announcement.
    let announcement: [String]
    private let output = Pipe()
    let logFile: URL

    init(data: String, environment: [String: String] = [:]) throws {
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-serve-\(UUID().uuidString).log")
        try Data().write(to: URL(fileURLWithPath: logFile.path))
        process.executableURL = URL(fileURLWithPath: QuarryBinary.path)
        process.arguments = ["serve", "--port", "0", "--data", data]
        process.environment = QuarryBinary.environment(environment)
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()

        // Read until the line after the URL that ends the announcement: the token or the hint.
        var lines: [String] = []
        var buffer = Data()
        let reader = output.fileHandleForReading
        let deadline = Date().addingTimeInterval(180)
        while !Self.isComplete(lines), Self.readable(reader, until: deadline) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the process ended
            buffer.append(chunk)
            lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        announcement = lines
        guard let first = lines.first, first.hasPrefix("Quarry is listening on ") else {
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            throw ProgramFailure(command: "quarry serve", status: -1, standardError: "no announcement; log: \(log)")
        }
        url = String(first.dropFirst("Quarry is listening on ".count))
    }

    /// Whether `handle` has something to read (or its end) before `deadline`: a server that hangs
    /// before its announcement fails the test instead of holding it forever.
    private static func readable(_ handle: FileHandle, until deadline: Date) -> Bool {
        var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let milliseconds = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return true }
            if ready == 0 || errno != EINTR { return false }
        }
    }

    private static func isComplete(_ lines: [String]) -> Bool {
        lines.contains { $0.hasPrefix("Mint a token with:") } || lines.contains { $0.split(separator: ".").count == 3 && !$0.contains(" ") }
    }

    /// The first admin token, when this was the first start.
    var firstAdminToken: String? {
        announcement.first { $0.split(separator: ".").count == 3 && !$0.contains(" ") }
    }

    /// SIGTERM, then the exit status (a graceful shutdown exits 0). A server still running a
    /// minute later is killed, and its status (SIGKILL's) fails any test that expects 0.
    func terminate() -> Int32 { process.stop() }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    struct Reply { let status: Int; let body: String }

    func get(_ path: String, token: String? = nil) throws -> Reply {
        try request(path, token: token, extra: [])
    }

    func post(_ path: String, token: String? = nil, body: String) throws -> Reply {
        try request(path, token: token, extra: ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body])
    }

    /// A multipart upload of `file` as the part `file`.
    func upload(_ path: String, token: String? = nil, file: String) throws -> Reply {
        try request(path, token: token, extra: ["-F", "file=@\(file)"])
    }

    /// Any method, with a JSON body when given and an `Accept` header when given.
    func call(_ method: String, _ path: String, token: String?, json: String? = nil, accept: String? = nil) throws -> Reply {
        var extra = ["-X", method]
        if let json { extra += ["-H", "Content-Type: application/json", "--data-binary", json] }
        if let accept { extra += ["-H", "Accept: \(accept)"] }
        return try request(path, token: token, extra: extra)
    }

    private func request(_ path: String, token: String?, extra: [String]) throws -> Reply {
        // A server that never answers fails the request (curl's 28) rather than holding the test.
        var arguments = ["-sS", "-m", "120", "-o", "-", "-w", "\n%{http_code}"] + extra
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        let output = try QuarryTestSupport.run("/usr/bin/curl", arguments + [url + path])
        let status = Int(output.split(separator: "\n").last ?? "") ?? 0
        return Reply(status: status, body: String(output.dropLast(String(status).count + 1)))
    }
}
