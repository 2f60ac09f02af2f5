import Foundation
import QuarryCore

extension SQLiteDatabase {
    /// What the embedded back ends kept in this database report to `/ready`.
    public var backend: BackendIdentity { BackendIdentity(kind: "embedded", target: path) }

    /// nil while the database's folder takes new files (SQLite's write-ahead log and journal live
    /// there), else why not.
    public func problem() -> String? {
        let folder = (path as NSString).deletingLastPathComponent
        let probe = (folder.isEmpty ? "." : folder) + "/.write-probe-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data("ok".utf8)) else {
            return "\(folder) is not writable: \(String(cString: strerror(errno)))"
        }
        try? FileManager.default.removeItem(atPath: probe)
        return nil
    }
}
