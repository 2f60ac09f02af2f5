import Foundation
import Hummingbird
import QuarryCore
import QuarryWorkflow

/// `POST /api/v1/actions/{type}/test`: the config of one node of that type, as a workflow holds it.
struct ActionTestBody: Decodable {
    let config: [String: JSONValue]

    enum CodingKeys: String, CodingKey, CaseIterable { case config }

    init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownFields(CodingKeys.self)
        config = try decoder.container(keyedBy: CodingKeys.self).decode([String: JSONValue].self, forKey: .config)
    }
}

/// What the provider answered, as the node's output, and the node's log lines.
struct ActionTestAnswer: ResponseEncodable {
    let type: String
    let output: JSONValue
    let log: [String]
}
