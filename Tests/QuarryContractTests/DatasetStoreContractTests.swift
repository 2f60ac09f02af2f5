import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

/// What every ``DatasetStore`` promises, asserted alike against SQLite and MongoDB (SecantusDB,
/// files in GridFS).
@Suite("dataset store contract")
struct DatasetStoreContractTests {
    static func dataset(_ id: String, tenant: String = "acme", files: [String], age: Double = 0) -> Dataset {
        Dataset(id: id, tenant: tenant, name: "SciFact \(id)", documents: 2, queries: 1, judgements: 1, files: files,
                createdAt: Date(timeIntervalSince1970: 1_700_000_000.125 + age))
    }

    static let files = [
        "corpus.jsonl": Data(#"{"_id": "d1", "title": "Tides", "text": "ünïcode ﬁ"}\#n{"_id": "d2", "text": "Moons"}\#n"#.utf8),
        "queries.jsonl": Data(#"{"_id": "q1", "text": "what drives tides?"}\#n"#.utf8),
        "qrels/test.tsv": Data("query-id\tcorpus-id\tscore\nq1\td1\t1\n".utf8),
        "empty.txt": Data(),
    ]

    @Test("datasets keep their files, list newest first, replace and delete whole, and stay within their tenant", arguments: StoreBackend.allCases)
    func datasets(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        let first = Self.dataset("s1", files: Self.files.keys.sorted())
        try await store.saveDataset(first, files: Self.files)
        try await store.saveDataset(Self.dataset("s2", files: [], age: 1), files: [:])
        try await store.saveDataset(Self.dataset("s1", tenant: "globex", files: ["corpus.jsonl"]), files: ["corpus.jsonl": Data("other".utf8)])
        #expect(try await store.dataset("s1", tenant: "acme") == first)
        for (name, data) in Self.files { #expect(try await store.datasetFile(name, dataset: "s1", tenant: "acme") == data, "\(name)") }
        #expect(try await store.datasetFile("corpus.jsonl", dataset: "s1", tenant: "globex") == Data("other".utf8))
        #expect(try await store.datasetFile("missing.tsv", dataset: "s1", tenant: "acme") == nil)
        #expect(try await store.datasets(tenant: "acme", limit: 10, offset: 0).map(\.id) == ["s2", "s1"])

        // Saved again with fewer files: the dropped ones are gone.
        let smaller = Self.dataset("s1", files: ["corpus.jsonl"])
        try await store.saveDataset(smaller, files: ["corpus.jsonl": Data("replaced".utf8)])
        #expect(try await store.dataset("s1", tenant: "acme") == smaller)
        #expect(try await store.datasetFile("corpus.jsonl", dataset: "s1", tenant: "acme") == Data("replaced".utf8))
        #expect(try await store.datasetFile("queries.jsonl", dataset: "s1", tenant: "acme") == nil)

        #expect(try await store.deleteDataset("s1", tenant: "acme"))
        #expect(try await store.deleteDataset("s1", tenant: "acme") == false)
        #expect(try await store.datasetFile("corpus.jsonl", dataset: "s1", tenant: "acme") == nil)
        #expect(try await store.dataset("s1", tenant: "globex") != nil)
    }
}
