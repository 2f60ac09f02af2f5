import Foundation

/// The data directory: where the signing secret, the embedded stores and the queue live.
public struct DataDirectory: Sendable {
    public let path: String

    /// Creates the directory if needed (mode 0700) and checks that it is a directory Quarry can write.
    public static func prepare(_ path: String) throws(ConfigurationError) -> DataDirectory {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        func fail(_ reason: String) -> ConfigurationError {
            ConfigurationError(key: SettingKey.data.name, origin: url.path, reason: reason)
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw fail("exists and is not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw fail("cannot create the directory: \(Self.reason(error))")
            }
        }
        let directory = DataDirectory(path: url.path)
        if let problem = directory.writeProbe() { throw fail(problem) }
        return directory
    }

    /// Writes and removes a small file: nil when that works, else why not.
    public func writeProbe() -> String? {
        let probe = path + "/.write-probe-\(getpid())"
        guard FileManager.default.createFile(atPath: probe, contents: Data("ok".utf8)) else {
            return "is not writable: \(String(cString: strerror(errno)))"
        }
        try? FileManager.default.removeItem(atPath: probe)
        return nil
    }

    private static func reason(_ error: any Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }
}
