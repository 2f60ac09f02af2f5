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

    /// `path` (absolute, or relative to the root) resolved, when it exists inside the root.
    public func resolve(_ path: String) throws(Refusal) -> String {
        let absolute = path.hasPrefix("/") ? path : self.path + "/" + path
        guard let resolved = Self.resolved(absolute), FileManager.default.fileExists(atPath: resolved) else { throw .missing(path) }
        guard self.path == "/" || resolved == self.path || resolved.hasPrefix(self.path + "/") else { throw .outside(path) }
        return resolved
    }

    static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
