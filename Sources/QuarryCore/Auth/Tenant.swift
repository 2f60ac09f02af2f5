/// Tenant names: the unit every read and write is scoped to.
public enum Tenant {
    /// The tenant of the first admin token on a new installation.
    public static let defaultName = "default"

    /// 1–64 characters from `A–Z a–z 0–9 . _ -`: safe in keys, paths and payload filters.
    public static func isValid(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }
}
