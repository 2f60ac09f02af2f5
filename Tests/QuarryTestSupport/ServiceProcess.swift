import Foundation

/// A test service (llama-server, the Qdrant test server, a database) run as a child process on
/// loopback: output to a log file, ready once `ready()` says so, stopped by ``stop()`` (SIGTERM,
/// then SIGKILL after two seconds) and on deinit. A service that dies while starting fails the test
/// with its log. While it runs, its pid is a file in ``registry``, where scripts/test finds what a
/// crashed test process left behind.
public final class ServiceProcess: @unchecked Sendable {
    public let command: String
    public let log: URL
    private let process = Process()
    public static let registry = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-test-services")
    private var registration: URL?

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
        try? FileManager.default.createDirectory(at: Self.registry, withIntermediateDirectories: true)
        let registration = Self.registry.appendingPathComponent(String(process.processIdentifier))
        FileManager.default.createFile(atPath: registration.path, contents: Data(command.utf8))
        self.registration = registration
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
        defer { if let registration { try? FileManager.default.removeItem(at: registration) } }
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
