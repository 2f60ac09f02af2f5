import Foundation

/// Decides how an HTML file's bytes are encoded and decodes them: a byte-order mark first, then a
/// `<meta charset>` or `http-equiv` declaration, then the bytes themselves (valid UTF-8 is UTF-8,
/// anything else is read as windows-1252, as browsers do for Latin-1 labels).
enum TextEncodingDetector {
    struct Decoded {
        let text: String
        /// How it was decided, for the document's metadata: `bom`, `meta`, `detected`.
        let how: String
        let encoding: String
    }

    static func decode(_ data: Data) -> Decoded? {
        let bytes = [UInt8](data.prefix(4))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]), let text = String(data: data.dropFirst(3), encoding: .utf8) {
            return Decoded(text: text, how: "bom", encoding: "utf-8")
        }
        if bytes.starts(with: [0xFF, 0xFE]), let text = String(data: data.dropFirst(2), encoding: .utf16LittleEndian) {
            return Decoded(text: text, how: "bom", encoding: "utf-16le")
        }
        if bytes.starts(with: [0xFE, 0xFF]), let text = String(data: data.dropFirst(2), encoding: .utf16BigEndian) {
            return Decoded(text: text, how: "bom", encoding: "utf-16be")
        }
        if let utf16 = utf16WithoutBOM(data) { return utf16 }
        if let label = declaredCharset(data), let (encoding, name) = encoding(for: label),
           let text = String(data: data, encoding: encoding) {
            return Decoded(text: text, how: "meta", encoding: name)
        }
        if let text = String(data: data, encoding: .utf8) { return Decoded(text: text, how: "detected", encoding: "utf-8") }
        if let text = String(data: data, encoding: .windowsCP1252) {
            return Decoded(text: text, how: "detected", encoding: "windows-1252")
        }
        return nil
    }

    /// UTF-16 without a mark shows as ASCII markup with every other byte zero.
    static func utf16WithoutBOM(_ data: Data) -> Decoded? {
        let head = [UInt8](data.prefix(512))
        guard head.count >= 16 else { return nil }
        let even = stride(from: 0, to: head.count - 1, by: 2).filter { head[$0] == 0 }.count
        let odd = stride(from: 1, to: head.count, by: 2).filter { head[$0] == 0 }.count
        let pairs = head.count / 2
        if odd > pairs * 8 / 10, even == 0, let text = String(data: data, encoding: .utf16LittleEndian) {
            return Decoded(text: text, how: "detected", encoding: "utf-16le")
        }
        if even > pairs * 8 / 10, odd == 0, let text = String(data: data, encoding: .utf16BigEndian) {
            return Decoded(text: text, how: "detected", encoding: "utf-16be")
        }
        return nil
    }

    /// The charset named by a `<meta>` in the first 4 kB.
    static func declaredCharset(_ data: Data) -> String? {
        let head = String(decoding: data.prefix(4096).map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self).lowercased()
        guard let match = head.firstMatch(of: /<meta[^>]*charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)/) else { return nil }
        return String(match.1)
    }

    static func encoding(for label: String) -> (String.Encoding, String)? {
        switch label {
        case "utf-8", "utf8", "unicode-1-1-utf-8": (.utf8, "utf-8")
        case "windows-1252", "cp1252", "iso-8859-1", "iso8859-1", "latin1", "l1", "us-ascii", "ascii", "x-cp1252":
            (.windowsCP1252, "windows-1252")
        case "iso-8859-2", "latin2": (.isoLatin2, "iso-8859-2")
        case "shift_jis", "shift-jis", "sjis", "windows-31j": (.shiftJIS, "shift_jis")
        case "euc-jp": (.japaneseEUC, "euc-jp")
        case "utf-16le": (.utf16LittleEndian, "utf-16le")
        case "utf-16be": (.utf16BigEndian, "utf-16be")
        case "utf-16": (.utf16, "utf-16")
        default: nil
        }
    }
}
