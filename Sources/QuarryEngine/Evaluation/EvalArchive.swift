import Foundation
import QuarryCore

/// The records `quarry eval` leaves in a folder (`eval_dir`), one `DATASET-MODE.json` per run
/// beside its report. Read on each request: the CLI adds runs while the server runs. They are
/// the operator's measurements of public data sets, not any tenant's documents.
public struct EvalArchive: Sendable {
    public let directory: URL
    /// More records than this are not listed (the oldest names last).
    static let maximumRuns = 1000

    public init(directory: URL) {
        self.directory = directory
    }

    /// Every readable record, without its queries, newest first (records of the same second by
    /// name), each by its name (the file's stem).
    public func runs() -> [(name: String, record: EvalRecord)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.filter(Self.isName).sorted().prefix(Self.maximumRuns)
        return names.compactMap { name -> (String, EvalRecord)? in
            guard var record = read(name) else { return nil }
            record.queries = nil
            return (name, record)
        }.sorted { $0.1.writtenAt != $1.1.writtenAt ? $0.1.writtenAt > $1.1.writtenAt : $0.0 < $1.0 }
    }

    /// One record with its queries; a name that is no readable record is not found.
    public func run(_ name: String) throws -> EvalRecord {
        guard Self.isName(name), let record = read(name) else { throw NotFound("eval run", id: name) }
        return record
    }

    private func read(_ name: String) -> EvalRecord? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(name + ".json")) else { return nil }
        return try? EvalRecord.decoder.decode(EvalRecord.self, from: data)
    }

    /// A file's stem, never a path: letters, digits, `.`, `_` and `-`, not starting with a dot.
    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 200 && !name.hasPrefix(".")
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) }
    }
}
