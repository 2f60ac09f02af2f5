@testable import QuarryCLI
import Foundation
import QuarryTestSupport
import Testing

@Suite("README stays true")
struct ReadmeTests {
    @Test("the configuration table lists every setting with its variable and default")
    func configurationTable() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for key in SettingKey.all {
            let row = try #require(
                readme.split(separator: "\n").first { $0.hasPrefix("| `\(key.name)` | `\(key.environmentName)` |") },
                "README.md has no row for \(key.name)"
            )
            if let value = key.defaultValue { #expect(row.contains("`\(value)`"), "README row for \(key.name) lacks its default") }
            #expect(row.contains(key.summary), "README row for \(key.name) does not say: \(key.summary)")
        }
    }
}
