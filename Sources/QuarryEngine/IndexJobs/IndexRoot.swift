import Foundation

/// The folder whose files may be indexed by path (setting `index_root`): a path is resolved —
/// symbolic links and `..` included — before it is checked, so no spelling of a path reaches
/// outside. `quarry index` on one machine uses `/`: a person indexing their own files.
public struct IndexRoot: Sendable, Equatable {
    /// Absolute and resolved.
    public let path: String

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case outside(String)
        case missing(String)

        public var description: String {
            switch self {
            case .outside(let path): "\(path) is outside the folder this server indexes from (index_root)"
            case .missing(let path): "\(path): no such file or folder"
            }
        }
    }

    /// `path` must be an existing folder.
    public init?(_ path: String) {
        var isDirectory: ObjCBool = false
        guard let resolved = Self.resolved(path), FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory),
              isDirectory.boolValue else { return nil }
        self.path = resolved
    }

    /// `path` (absolute, or relative to the root) resolved, when it exists inside the root. A
    /// missing path that is outside by its spelling is refused as outside, like one that exists
    /// there, so the refusals tell nothing of what lies beyond the root.
    public func resolve(_ path: String) throws(Refusal) -> String {
        let absolute = path.hasPrefix("/") ? path : self.path + "/" + path
        guard let resolved = Self.resolved(absolute), FileManager.default.fileExists(atPath: resolved) else {
            throw contains(URL(fileURLWithPath: absolute).standardizedFileURL.path) ? .missing(path) : .outside(path)
        }
        guard contains(resolved) else { throw .outside(path) }
        return resolved
    }

    private func contains(_ absolute: String) -> Bool {
        self.path == "/" || absolute == self.path || absolute.hasPrefix(self.path + "/")
    }

    static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
