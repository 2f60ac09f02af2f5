import Foundation

/// Where scripts/bootstrap keeps the venv, the models and the llama.cpp build: `QUARRY_CACHE`,
/// else `~/.cache/quarry`.
public enum QuarryCache {
    public static var directory: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["QUARRY_CACHE"] ?? (environment["HOME"] ?? "/root") + "/.cache/quarry"
    }
}

/// The Python interpreter of the project's venv (scripts/bootstrap makes it).
public enum Venv {
    public static var python: String { QuarryCache.directory + "/venv/bin/python" }
}

/// The root of this repository, found from this file's path.
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

public struct ProgramFailure: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let standardError: String
    public var description: String { "\(command) exited with \(status): \(standardError)" }

    public init(command: String, status: Int32, standardError: String) {
        self.command = command
        self.status = status
        self.standardError = standardError
    }
}

/// The result of a program run to completion.
public struct ProgramResult: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
}

/// Runs a program to completion with optional standard input and environment. A program still
/// running after `timeLimit` seconds is killed (its result then says so), so a test that waits for
/// one fails instead of holding one of the few threads every test shares, forever.
public func execute(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil,
    timeLimit: TimeInterval = 900
) throws -> ProgramResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    // Standard error goes to a file, so neither stream can fill a pipe and block the program.
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: errorFile.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
    defer { try? FileManager.default.removeItem(at: errorFile) }
    let output = Pipe(), stdin = Pipe()
    process.standardOutput = output
    process.standardError = try FileHandle(forWritingTo: errorFile)
    process.standardInput = stdin
    try process.run()
    let pid = process.processIdentifier
    let killer = DispatchWorkItem { kill(pid, SIGKILL) }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit, execute: killer)
    defer { killer.cancel() }
    // The input is written from a thread of its own while the output is read here: a program
    // that answers line by line fills the output pipe while it still has input to read, and
    // writing all the input first then waits for ever (a test tokenizing this repository's
    // docs hung that way once they grew past the pipes' 64 KB).
    // A program that ends before reading all its input makes the write fail (EPIPE), not end
    // the test process with SIGPIPE.
    signal(SIGPIPE, SIG_IGN)
    let writer = Thread {
        if let input { try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let err = (try? Data(contentsOf: errorFile)) ?? Data()
    return ProgramResult(
        status: process.terminationStatus,
        standardOutput: String(decoding: out, as: UTF8.self),
        standardError: String(decoding: err, as: UTF8.self)
    )
}

/// Runs a program and returns its standard output; throws ``ProgramFailure`` on a non-zero exit.
@discardableResult
public func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
    let result = try execute(executable, arguments, environment: environment)
    guard result.status == 0 else {
        throw ProgramFailure(
            command: ([executable] + arguments).joined(separator: " "), status: result.status, standardError: result.standardError
        )
    }
    return result.standardOutput
}

/// Runs blocking work (a child process, a file read) on a thread of its own and awaits it. Tests
/// that wait for a program while a live server in the same process answers it must not block the
/// few threads of Swift's cooperative pool, or the server never gets to answer.
public func offPool<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

extension Process {
    /// SIGTERM, then the exit status once it ends; still running after `grace` seconds, it is
    /// killed (and the status, SIGKILL's, fails a test that expects a graceful 0).
    @discardableResult
    public func stop(grace: TimeInterval = 60) -> Int32 {
        if isRunning { terminate() }
        let deadline = Date().addingTimeInterval(grace)
        while isRunning, Date() < deadline { usleep(20_000) }
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
        return terminationStatus
    }
}
