import Foundation

/// Progress on standard error: one line rewritten in place on a terminal, a line per step
/// (at most every few seconds) otherwise.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let terminal = isatty(STDERR_FILENO) == 1
    private var lastPrinted = ContinuousClock.now - .seconds(60)

    func update(_ text: String, done: Bool) {
        lock.withLock {
            if terminal {
                FileHandle.standardError.write(Data("\r\u{1B}[K\(text)\(done ? "\n" : "")".utf8))
            } else if done || ContinuousClock.now - lastPrinted > .seconds(5) {
                FileHandle.standardError.write(Data("\(text)\n".utf8))
                lastPrinted = ContinuousClock.now
            }
        }
    }
}
