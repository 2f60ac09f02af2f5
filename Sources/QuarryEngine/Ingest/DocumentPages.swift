import Foundation
import QuarryCore
import QuarryParsing

extension IngestPipeline {
    /// Why pages could not be read.
    public enum PagesError: Error, Equatable, CustomStringConvertible {
        /// `first`…`last` is not within the document's pages, or asks for more than ``maximumPages``.
        case range(first: Int, last: Int, pages: Int)

        public var description: String {
            switch self {
            case .range(let first, let last, let pages):
                "pages \(first)–\(last) are not within the document's \(pages) pages, or are more than \(IngestPipeline.maximumPages) at once"
            }
        }
    }

    /// The most pages read in one call: a reader asks again for more, and one call stays bounded.
    public static let maximumPages = 20

    /// Pages `first` through `last` (from 1) of the tenant's document, parsed again from its stored
    /// bytes: the very text its citations' character offsets point into. ``NotFound`` for another
    /// tenant's document, as for none.
    public func pages(of id: String, tenant: String, first: Int, last: Int) async throws -> (record: DocumentRecord, pages: [Page]) {
        let record = try await document(id, tenant: tenant)
        guard let data = try await store.bytes(document: record.id, tenant: record.tenant) else { throw NotFound("content of document", id: id) }
        let document = try DocumentParser.parse(data, tenant: tenant, source: record.source, filename: record.source.filename)
        guard first >= 1, last >= first, last <= document.pages.count, last - first < Self.maximumPages else {
            throw PagesError.range(first: first, last: last, pages: document.pages.count)
        }
        return (record, Array(document.pages[(first - 1)...(last - 1)]))
    }
}
