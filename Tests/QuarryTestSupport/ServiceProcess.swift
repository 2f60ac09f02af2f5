import Foundation

/// A test service (llama-server, the Qdrant test server, a database) run as a child process on
/// loopback: output to a log file, ready once `ready()` says so, stopped by ``stop()`` (SIGTERM,
/// then SIGKILL after two seconds) and on deinit. A service that dies while starting fails the test
/// with its log.
public final class ServiceProcess: @unchecked Sendable {
    public let command: String
    public let log: URL
    private let process = Process()

    public init(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60, ready: () -> Bool) throws {
        command = ([executable] + arguments).joined(separator: " ")
        log = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-service-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else {
                throw ProgramFailure(command: command, status: process.terminationStatus, standardError: logText)
            }
            if ready() { return }
            usleep(100_000)
        }
        stop()
        throw ProgramFailure(command: command, status: -1, standardError: "not ready after \(Int(timeout)) s\n" + logText)
    }

    public var isRunning: Bool { process.isRunning }
    public var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<40 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { usleep(10_000) }
    }

    deinit { stop() }
}

/// Whether `url` answers 200 now (curl, two-second limit).
public func answersOK(_ url: String) -> Bool {
    let result = try? execute("/usr/bin/curl", ["-s", "-o", "/dev/null", "-m", "2", "-w", "%{http_code}", url])
    return result?.standardOutput == "200"
}
