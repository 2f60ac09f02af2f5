import Foundation

/// A line of a run's log (DESIGN.md §4): what a node did, when, how serious, with data.
public struct RunLog: Sendable, Codable, Equatable {
    public enum Level: String, Sendable, Codable, CaseIterable { case debug, info, warning, error }

    /// Unique; orders lines written in the same millisecond.
    public var id: String
    public var runId: String
    public var tenant: String
    /// The node it is about; nil for the run as a whole.
    public var node: String?
    public var time: Date
    public var level: Level
    public var message: String
    public var data: JSONValue?

    public init(id: String = UUID().uuidString.lowercased(), runId: String, tenant: String, node: String?, time: Date = Date(), level: Level,
                message: String, data: JSONValue? = nil) {
        self.id = id
        self.runId = runId
        self.tenant = tenant
        self.node = node
        self.time = time
        self.level = level
        self.message = message
        self.data = data
    }
}
