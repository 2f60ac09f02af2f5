import Foundation

/// The documents a path names: a file itself, or a folder's PDF, HTML and text files found
/// recursively, sorted — what `quarry index` and `POST /api/v1/index-jobs` take from folders.
public enum DocumentFiles {
    public static let extensions: Set<String> = ["pdf", "html", "htm", "xhtml", "txt"]

    /// `path` must exist; a file named directly is taken whatever its extension (its bytes decide).
    public static func list(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        var files: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            if extensions.contains((name as NSString).pathExtension.lowercased()) { files.append(path + "/" + name) }
        }
        return files.sorted()
    }
}
