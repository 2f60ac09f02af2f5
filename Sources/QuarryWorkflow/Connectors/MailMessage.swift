import Foundation
import QuarryCore

/// An email as RFC 5322 and MIME say (RFC 2045–2047): text and HTML as `multipart/alternative`,
/// attachments beside them in `multipart/mixed`, every body part base64 so any bytes pass any
/// server, non-ASCII header words encoded, lines ending in CRLF and under 78 characters.
struct MailMessage {
    struct Attachment {
        let filename: String
        let contentType: String
        let data: Data
    }

    var from: String
    var to: [String]
    var cc: [String] = []
    var subject: String
    var text: String?
    var html: String?
    var attachments: [Attachment] = []
    /// Without angle brackets; the same for every attempt, so a receiving server that has it drops a resend.
    var messageID: String
    var date: Date
    var replyTo: String?

    func encoded() -> Data {
        var headers = [
            ("From", from), ("To", to.joined(separator: ", ")),
        ]
        if !cc.isEmpty { headers.append(("Cc", cc.joined(separator: ", "))) }
        if let replyTo { headers.append(("Reply-To", replyTo)) }
        headers += [
            ("Subject", Self.encodedWords(subject)), ("Date", Self.rfc5322(date)), ("Message-ID", "<\(messageID)>"), ("MIME-Version", "1.0"),
        ]
        var lines = headers.map { "\($0.0): \($0.1)" }
        let boundary = "quarry-" + Self.hex(messageID)
        let body = self.body(boundary: boundary)
        lines += body.headers
        return Data((lines.joined(separator: "\r\n") + "\r\n\r\n" + body.text).utf8)
    }

    /// The body part: one part alone, or the alternative and the attachments.
    func body(boundary: String) -> (headers: [String], text: String) {
        var alternatives: [(headers: [String], text: String)] = []
        if let text { alternatives.append(Self.part("text/plain; charset=utf-8", Data(text.utf8))) }
        if let html { alternatives.append(Self.part("text/html; charset=utf-8", Data(html.utf8))) }
        if alternatives.isEmpty { alternatives.append(Self.part("text/plain; charset=utf-8", Data())) }
        let main = alternatives.count == 1 ? alternatives[0] : Self.multipart("alternative", boundary + "-alt", alternatives)
        guard !attachments.isEmpty else { return main }
        let files = attachments.map { file in
            Self.part("\(file.contentType); name=\(Self.quoted(file.filename))", file.data,
                      disposition: "attachment; filename=\(Self.quoted(file.filename))")
        }
        return Self.multipart("mixed", boundary + "-mix", [main] + files)
    }

    static func part(_ type: String, _ data: Data, disposition: String? = nil) -> (headers: [String], text: String) {
        var headers = ["Content-Type: \(type)", "Content-Transfer-Encoding: base64"]
        if let disposition { headers.append("Content-Disposition: \(disposition)") }
        return (headers, wrapped(data.base64EncodedString()))
    }

    static func multipart(_ kind: String, _ boundary: String, _ parts: [(headers: [String], text: String)]) -> (headers: [String], text: String) {
        let text = parts.map { "--\(boundary)\r\n" + $0.headers.joined(separator: "\r\n") + "\r\n\r\n" + $0.text + "\r\n" }.joined() + "--\(boundary)--"
        return (["Content-Type: multipart/\(kind); boundary=\"\(boundary)\""], text)
    }

    /// base64 in lines of 76.
    static func wrapped(_ base64: String) -> String {
        var lines: [Substring] = []
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return lines.joined(separator: "\r\n")
    }

    /// A header text as is when it is printable ASCII, else RFC 2047 encoded words (base64, UTF-8,
    /// each under 75 characters, whole characters only).
    static func encodedWords(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if flat.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) && flat.count <= 900 { return flat }
        var words: [String] = []
        var current = ""
        for character in flat {
            if (current + String(character)).utf8.count > 45 {
                words.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// A file name as a quoted MIME parameter (non-ASCII as encoded words, which mail readers take).
    static func quoted(_ name: String) -> String {
        let safe = name.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\\", with: "_")
        return "\"" + (safe.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } ? safe : encodedWords(safe)) + "\""
    }

    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    static func hex(_ text: String) -> String { Hex.encode(Data(text.utf8).prefix(12)) }
}
