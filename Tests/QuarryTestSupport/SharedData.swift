import Foundation

/// The team's shared data beside the checkout (`../shared`): corpora, datasets, references.
/// CI has it; a clone elsewhere may not, and tests that need it are skipped with this reason.
public enum SharedData {
    public static let root = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")

    public static var isAvailable: Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("corpora").path)
    }

    public static let missingReason = "../shared is absent beside this checkout; these tests read its corpora"

    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}
