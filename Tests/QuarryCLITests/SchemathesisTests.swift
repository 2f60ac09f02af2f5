import Foundation
import QuarryTestSupport
import Testing

/// Schemathesis (PyPI) generates requests from `/api/v1/openapi.json` — valid ones, and ones the
/// schema forbids — against a live `quarry serve` on the embedded defaults, and checks every
/// answer against the document: no server error, every status and content type documented, every
/// body matching its schema, every forbidden input refused with a 4xx, every route refusing a
/// request without a token. The run has a time budget, and a network namespace of its own with
/// loopback only, so the URLs it makes up for uploads and index jobs reach nothing.
@Suite("OpenAPI document against a live server (schemathesis)")
struct SchemathesisTests {
    static let budgetSeconds = 120

    @Test("0 server errors and 0 answers that break the document")
    func liveServerKeepsTheDocument() async throws {
        let script = repositoryRoot.appendingPathComponent("scripts/testservers/schemathesis_live.py").path
        // Two minutes of waiting on a thread of its own: on Swift's cooperative pool (two threads
        // here) it would hold back every other test for as long.
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ProgramResult, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try execute("/usr/bin/unshare", ["-n", Venv.python, script, "--quarry", QuarryBinary.path, "--max-time", String(Self.budgetSeconds)],
                                environment: QuarryBinary.environment())
                })
            }
        }
        #expect(result.status == 0, "schemathesis found problems:\n\(result.standardOutput.suffix(6000))\n\(result.standardError.suffix(4000))")
        let output = result.standardOutput
        func number(_ pattern: String) -> Int? {
            output.firstMatch(of: try! Regex(pattern)).flatMap { $0.output.count > 1 ? $0.output[1].substring.flatMap { Int($0) } : nil }
        }
        let operations = number(#"Selected: \d+/(\d+)"#)
        #expect(operations != nil && operations == number(#"Tested: (\d+)"#), "every operation was tested: \(output.suffix(2000))")
        #expect(result.standardOutput.range(of: #"\d+ generated, \d+ passed"#, options: .regularExpression) != nil, "\(result.standardOutput.suffix(2000))")
    }
}
