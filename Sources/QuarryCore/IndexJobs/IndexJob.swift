import Foundation

/// A bulk index job (DESIGN.md §7): many files or URLs submitted at once, each becoming a document
/// that goes through ingest on whichever worker takes it. The job keeps what was asked and, per
/// item, the document it became or why it became none; stages, rate and ETA are read from those
/// documents (``IndexJobProgress``). Two writers only, each with its own fields: the one job that
/// submits the items (`items`, `startedAt`) and cancel (`canceledAt`), so no write undoes another.
public struct IndexJob: Sendable, Codable, Equatable {
    public var id: String
    public var tenant: String
    /// In the order submitted; a folder stands here as the files found in it.
    public var items: [Item]
    public var createdAt: Date
    /// When a worker began submitting the items.
    public var startedAt: Date?
    public var canceledAt: Date?

    public init(id: String, tenant: String, items: [Item], createdAt: Date = Date(), startedAt: Date? = nil, canceledAt: Date? = nil) {
        self.id = id
        self.tenant = tenant
        self.items = items
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.canceledAt = canceledAt
    }

    public struct Item: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable {
            /// An absolute path as the server and its workers see it.
            case path
            /// An http(s) URL, fetched through the SSRF guard.
            case url
        }

        public var kind: Kind
        public var source: String
        /// The document the item became, once submitted.
        public var document: String?
        /// The document was there before this job (the same bytes): nothing new to do.
        public var unchanged: Bool
        /// Why the item became no document: unreadable, refused, fetch failed, not a document.
        public var error: String?

        public init(kind: Kind, source: String, document: String? = nil, unchanged: Bool = false, error: String? = nil) {
            self.kind = kind
            self.source = source
            self.document = document
            self.unchanged = unchanged
            self.error = error
        }

        /// Submitted, or given up on: the submitting job is done with it.
        public var isSettled: Bool { document != nil || error != nil }
    }
}
