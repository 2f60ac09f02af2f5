import Foundation
import QuarryCore

/// A data set in BEIR's format: `corpus.jsonl` (`_id`, `title`, `text`), `queries.jsonl` (`_id`,
/// `text`) and `qrels/test.tsv` (`query-id`, `corpus-id`, `score`, with a header line).
public struct BEIRDataset: Sendable {
    public struct Passage: Sendable, Decodable {
        public let id: String
        public let title: String
        public let text: String

        enum CodingKeys: String, CodingKey { case id = "_id", title, text }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            title = try container.decodeIfPresent(String.self, forKey: .title) ?? ""
            text = try container.decodeIfPresent(String.self, forKey: .text) ?? ""
        }
    }

    public struct Query: Sendable, Decodable {
        public let id: String
        public let text: String

        enum CodingKeys: String, CodingKey { case id = "_id", text }
    }

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String, String)
        case malformed(file: String, line: Int, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            case .malformed(let file, let line, let reason): "\(file) line \(line): \(reason)"
            }
        }
    }

    public let name: String
    public let corpus: [Passage]
    /// The test queries: those with judgements, in file order.
    public let queries: [Query]
    public let qrels: RetrievalMetrics.Qrels

    public init(directory: String) throws(LoadError) {
        let url = URL(fileURLWithPath: directory)
        name = url.lastPathComponent
        corpus = try Self.jsonLines(url.appendingPathComponent("corpus.jsonl").path)
        let qrels = try Self.qrels(url.appendingPathComponent("qrels/test.tsv").path)
        let allQueries: [Query] = try Self.jsonLines(url.appendingPathComponent("queries.jsonl").path)
        queries = allQueries.filter { qrels[$0.id] != nil }
        self.qrels = qrels
    }

    /// The passage as a one-page document: its title as a heading, then its text.
    public func document(_ passage: Passage, tenant: String) -> Document {
        passage.document(tenant: tenant, collection: name)
    }

    public static func jsonLines<T: Decodable>(_ path: String) throws(LoadError) -> [T] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw .unreadable(path, error.localizedDescription) }
        let decoder = JSONDecoder()
        var items: [T] = []
        for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            do { items.append(try decoder.decode(T.self, from: line)) } catch {
                throw .malformed(file: (path as NSString).lastPathComponent, line: number + 1, reason: "\(error)")
            }
        }
        return items
    }

    static func qrels(_ path: String) throws(LoadError) -> RetrievalMetrics.Qrels {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw .unreadable(path, error.localizedDescription) }
        var qrels: RetrievalMetrics.Qrels = [:]
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(separator: "\t")
            if number == 0 && fields.first == "query-id" { continue }
            guard fields.count >= 3, let grade = Int(fields[2]) else {
                throw .malformed(file: "qrels/test.tsv", line: number + 1, reason: "expected query-id, corpus-id, score")
            }
            qrels[String(fields[0]), default: [:]][String(fields[1])] = grade
        }
        return qrels
    }
}

extension BEIRDataset.Passage {
    /// The passage as a one-page document (id = the passage's id): its title as a heading, then its text.
    public func document(tenant: String, collection: String) -> Document {
        let heading = title.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let pageText = heading.isEmpty ? body : heading + "\n\n" + body
        let headingLength = heading.unicodeScalars.count
        var blocks: [TextBlock] = []
        if !heading.isEmpty { blocks.append(TextBlock(kind: .heading, level: 1, start: 0, end: headingLength)) }
        let bodyStart = heading.isEmpty ? 0 : headingLength + 2
        if !body.isEmpty { blocks.append(TextBlock(kind: .paragraph, start: bodyStart, end: bodyStart + body.unicodeScalars.count)) }
        return Document(
            id: id, tenant: tenant, source: Document.Source(uri: "beir:\(collection)/\(id)", filename: nil, mediaType: .plainText),
            title: heading.isEmpty ? nil : heading,
            pages: [Page(number: 1, text: pageText, blocks: blocks, hasTextLayer: true)], status: .parsed
        )
    }
}
