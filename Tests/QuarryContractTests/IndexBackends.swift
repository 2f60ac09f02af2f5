import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryQdrant
import QuarryTestSupport
import Testing

/// The implementations of ``VectorIndex`` the contract runs against.
enum IndexBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case embedded, qdrant

    var testDescription: String { rawValue }

    static let dimensions = 24

    /// A fresh, empty index. `durable` gives it storage of its own that ``IndexUnderTest/reopen()``
    /// opens again: a SQLite file, or a Qdrant test server of its own that is restarted.
    func makeIndex(durable: Bool = false) throws -> IndexUnderTest {
        switch self {
        case .embedded:
            guard durable else { return IndexUnderTest(index: try EmbeddedVectorIndex()) { nil } }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("index-\(UUID().uuidString).sqlite").path
            let open = { try EmbeddedVectorIndex(database: SQLiteDatabase(path: path)) }
            return IndexUnderTest(index: try open()) { try open() }
        case .qdrant:
            let server = durable ? try QdrantTestServer() : try SharedQdrant.server.get()
            let configuration = QdrantConfiguration(url: server.url, collection: "test_\(UUID().uuidString.prefix(8))", dimensions: Self.dimensions)
            return IndexUnderTest(index: QdrantVectorIndex(configuration: configuration), server: server) {
                guard durable else { return nil }
                server.stop()
                try server.start()
                return QdrantVectorIndex(configuration: configuration)
            }
        }
    }
}

/// An index under test, and what it runs on.
struct IndexUnderTest {
    let index: any VectorIndex
    /// Keeps a test server of the index's own running as long as the test holds this.
    var server: QdrantTestServer?
    /// A new instance over the same storage, after a restart of its server; nil unless durable.
    let reopen: () throws -> (any VectorIndex)?

    init(index: any VectorIndex, server: QdrantTestServer? = nil, reopen: @escaping () throws -> (any VectorIndex)?) {
        self.index = index
        self.server = server
        self.reopen = reopen
    }
}

/// One Qdrant test server for every test that needs no server of its own; each test uses a
/// collection of its own on it. Started on first use; it exits with this process.
enum SharedQdrant {
    static let server = Result { try QdrantTestServer() }
}

/// Chunk `n` of the contract's fixtures: vector `unitVector(n)`, document `d<n/10>`.
func point(_ n: Int, tenant: String = "acme", document: String? = nil, terms: [String] = [], metadata: [String: String] = [:]) -> IndexPoint {
    IndexPoint(chunkId: "c\(n)", tenant: tenant, documentId: document ?? "d\(n / 10)", vector: unitVector(n), terms: terms, metadata: metadata)
}
