/// What a caller may do inside its tenant. Each role includes the ones below it:
/// an admin may do what an editor may, an editor what a viewer may.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads: documents, queries, runs.
    case viewer
    /// Writes: uploads, index jobs, workflows.
    case editor
    /// Tenant administration: tokens, deletion of anything.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .editor: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}
