import Foundation
import QuarryTestSupport
import Testing

@Suite("docker-compose.yml stays true")
struct ComposeTests {
    @Test("services, settings, URLs, ports and commands agree with the code and Docs/DEPLOY.md (scripts/check_compose.py)")
    func compose() throws {
        let help = try QuarryBinary.run(["--help"])
        #expect(help.status == 0)
        let helpFile = FileManager.default.temporaryDirectory.appendingPathComponent("quarry-help-\(UUID().uuidString).txt")
        try help.standardOutput.write(to: helpFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: helpFile) }
        let root = repositoryRoot.path
        let check = try execute(Venv.python, [
            root + "/scripts/check_compose.py", root + "/docker-compose.yml", root + "/README.md", root + "/Docs/DEPLOY.md", helpFile.path,
        ])
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
    }
}
