import Foundation
import QuarryCore

/// Waits, then lets the run go on: `seconds` after the node is ready, or until a time. The wait
/// is the delay of the node's message on the queue (Redis' delayed queue, a SQLite row not yet
/// due), so no worker is held however long it is, and a restart loses nothing. A canceled run's
/// delayed node never starts.
public struct DelayNode: NodeType {
    public let name = "delay"
    public let queue = WorkflowEngine.runStartQueue
    public let summary = "Waits a number of seconds, or until a time, holding no worker; then the nodes after it run."
    public let configSchema = schema(#"""
        {"type": "object", "additionalProperties": false,
         "properties": {
           "seconds": {"type": "number", "minimum": 0, "maximum": 2592000, "description": "how long to wait once ready (up to 30 days)"},
           "until": {"type": "string", "minLength": 1, "maxLength": 64, "description": "an ISO 8601 time to wait for, e.g. 2026-12-24T09:00:00Z (a past one does not wait)"}}}
        """#)
    public let outputSchema = schema(#"""
        {"type": "object", "required": ["resumed_at"], "properties": {"resumed_at": {"type": "string", "description": "when the run went on (ISO 8601)"}}}
        """#)

    public init() {}

    /// The longest wait: a mistyped `until` years ahead should fail, not park a run for ever.
    static let longest: Duration = .seconds(30 * 24 * 3600)

    public func startDelay(_ config: () async throws -> [String: JSONValue], at time: Date) async throws -> Duration {
        try startDelay(try await config(), at: time)
    }

    /// The wait `config` asks for, counted from `time`.
    public func startDelay(_ config: [String: JSONValue], at time: Date) throws -> Duration {
        switch (config["seconds"], config["until"]?.string) {
        case (let seconds?, nil):
            guard let value = seconds.number, value >= 0, value <= Double(Self.longest.components.seconds) else {
                throw PermanentNodeError("seconds must be a number from 0 to \(Self.longest.components.seconds)")
            }
            return .milliseconds(Int64(value * 1000))
        case (nil, let until?):
            guard let date = Self.parse(until) else { throw PermanentNodeError("until '\(until)' is not an ISO 8601 time such as 2026-12-24T09:00:00Z") }
            let wait = max(date.timeIntervalSince(time), 0)
            guard wait <= Double(Self.longest.components.seconds) else { throw PermanentNodeError("until '\(until)' is more than 30 days ahead") }
            return .milliseconds(Int64(wait * 1000))
        default:
            throw PermanentNodeError("config needs either seconds or until, not both and not neither")
        }
    }

    public func execute(_ context: NodeContext) async throws -> NodeOutcome {
        _ = try startDelay(context.config, at: Date())  // a config that cannot say how long fails here, with why
        return NodeOutcome(output: .object(["resumed_at": .string(ISO8601DateFormatter().string(from: Date()))]))
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions.insert(.withFractionalSeconds)
        return formatter.date(from: text)
    }
}
