import ArgumentParser
import Foundation
import QuarryCore
import QuarryParsing

/// Reading a file named on the command line, with one-line errors.
enum DocumentFile {
    static func read(_ path: String, password: String?) throws -> Document {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            FileHandle.standardError.write(Data("quarry: cannot read \(path): \(error.localizedDescription)\n".utf8))
            throw ExitCode(66)  // EX_NOINPUT
        }
        do {
            let source = DocumentParser.mediaType(of: data, filename: url.lastPathComponent).map {
                Document.Source(uri: url.absoluteString, filename: url.lastPathComponent, mediaType: $0)
            }
            return try DocumentParser.parse(
                data, tenant: Tenant.defaultName, source: source, filename: url.lastPathComponent, password: password
            )
        } catch {
            FileHandle.standardError.write(Data("quarry: \(path): \(error.description)\n".utf8))
            throw ExitCode(65)  // EX_DATAERR
        }
    }
}
