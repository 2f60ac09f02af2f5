/// Lowercase hexadecimal, two digits per byte. Chunk ids hash every chunk's text, so this runs per
/// chunk at ingest: a lookup table, not `String(format:)` per byte (which cost 7 % of parsing).
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
