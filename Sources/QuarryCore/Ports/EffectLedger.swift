import Foundation

/// Where a connector whose provider takes no idempotency key (Slack, Notion, Sheets) writes down
/// a send before it happens and its answer once it came (Docs/CONNECTORS.md). A worker killed
/// between the two leaves the entry `intended`: the next attempt sees it and stops, marking the
/// node "possibly sent" for a person, instead of posting a second time.
///
/// Kept by the run store (SQLite or MongoDB), keyed by tenant and the node's idempotency key
/// (`<run>:<node>`), so a new run sends anew.
public protocol EffectLedger: Sendable {
    /// Writes that the effect `key` is about to be sent, unless an entry is there already: then
    /// writes nothing and returns that entry. Nil: this caller may send.
    func intend(_ key: String, tenant: String, at date: Date) async throws -> Effect?
    /// The effect happened; `answer` (what the provider said) is what a later attempt returns
    /// instead of sending again.
    func complete(_ key: String, tenant: String, answer: JSONValue, at date: Date) async throws
    /// The provider surely did not act (it answered with an error, or no connection was made):
    /// the entry goes, so a later attempt sends.
    func forget(_ key: String, tenant: String) async throws
}

/// One entry of an ``EffectLedger``.
public struct Effect: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        /// Being sent, or its sender died before the answer was written.
        case intended
        case completed
    }

    public var state: State
    /// When it was last written.
    public var at: Date
    /// The provider's answer, once completed.
    public var answer: JSONValue?

    public init(state: State, at: Date, answer: JSONValue? = nil) {
        self.state = state
        self.at = at
        self.answer = answer
    }
}
