/// The JSON bodies of the Qdrant REST endpoints the adapter uses (Qdrant 1.16+; field names as
/// Qdrant spells them). Qdrant rejects unknown fields, so these hold only what is sent.
enum QdrantAPI {
    struct CreateCollection: Encodable {
        struct Dense: Encodable {
            let size: Int
            let distance = "Cosine"
        }

        struct Sparse: Encodable {
            let modifier = "idf"
        }

        let vectors: [String: Dense]
        let sparse_vectors: [String: Sparse]
    }

    struct CreateFieldIndex: Encodable {
        struct Schema: Encodable {
            let type: String
            let is_tenant: Bool?
        }

        let field_name: String
        let field_schema: Schema
    }

    struct Point: Encodable {
        let id: String
        let vector: [String: Vector]
        let payload: Payload
    }

    /// What each point carries besides its vectors: enough to filter and to answer a search.
    struct Payload: Codable {
        let tenant: String
        let document_id: String
        let chunk_id: String
        let page: Int?
        /// Metadata as `key=value` strings in one keyword field, matched whole: no nested key
        /// paths, so any key is safe (see ``QdrantVectorIndex/metadataTerm(_:_:)``).
        let metadata: [String]
    }

    struct UpsertPoints: Encodable {
        let points: [Point]
    }

    enum Vector: Encodable {
        case dense([Float])
        case sparse(SparseVector)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .dense(let values): try container.encode(values)
            case .sparse(let vector): try container.encode(vector)
            }
        }
    }

    struct Filter: Encodable {
        struct Condition: Encodable {
            struct Match: Encodable {
                let value: String?
                let any: [String]?
            }

            let key: String
            let match: Match

            static func equals(_ key: String, _ value: String) -> Condition {
                Condition(key: key, match: Match(value: value, any: nil))
            }

            static func isAny(_ key: String, _ values: [String]) -> Condition {
                Condition(key: key, match: Match(value: nil, any: values))
            }
        }

        let must: [Condition]
    }

    struct FilterSelector: Encodable {
        let filter: Filter
    }

    struct Count: Encodable {
        let filter: Filter
        let exact = true
    }

    /// What a query ranks by: a dense vector, a sparse one, or the fusion of its prefetches.
    enum Query: Encodable {
        case dense([Float])
        case sparse(SparseVector)
        case reciprocalRank(k: Int)

        private struct RRF: Encodable {
            struct Parameters: Encodable { let k: Int }
            let rrf: Parameters
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .dense(let values): try container.encode(values)
            case .sparse(let vector): try container.encode(vector)
            case .reciprocalRank(let k): try container.encode(RRF(rrf: .init(k: k)))
            }
        }
    }

    struct Prefetch: Encodable {
        let query: Query
        let using: String
        let filter: Filter
        let limit: Int
    }

    struct QueryPoints: Encodable {
        var prefetch: [Prefetch]?
        let query: Query
        var using: String?
        var filter: Filter?
        let limit: Int
        let with_payload = ["chunk_id", "document_id"]
    }

    struct QueryBatch: Encodable {
        let searches: [QueryPoints]
    }

    // Responses: `{"result": …, "status": "ok", "time": …}`.
    struct Envelope<Result: Decodable>: Decodable {
        let result: Result
    }

    struct Exists: Decodable {
        let exists: Bool
    }

    struct CountResult: Decodable {
        let count: Int
    }

    struct ScoredPoints: Decodable {
        struct Scored: Decodable {
            struct Found: Decodable {
                let chunk_id: String
                let document_id: String
            }

            let score: Double
            let payload: Found
        }

        let points: [Scored]
    }

    /// An error body: `{"status": {"error": "…"}, "time": …}`.
    struct ErrorBody: Decodable {
        struct Status: Decodable { let error: String }
        let status: Status
    }
}
