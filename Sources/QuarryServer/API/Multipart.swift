import Foundation

/// A `multipart/form-data` body (RFC 7578), parsed from bytes already collected within the upload
/// limit. Only what uploads need: each part's name, file name, content type and bytes.
struct Multipart {
    struct Part {
        let name: String
        let filename: String?
        let contentType: String?
        let data: Data
    }

    enum ParseError: Error, Equatable, CustomStringConvertible {
        case noBoundary
        case malformed(String)

        var description: String {
            switch self {
            case .noBoundary: "Content-Type multipart/form-data needs a boundary parameter"
            case .malformed(let reason): "malformed multipart body: \(reason)"
            }
        }
    }

    let parts: [Part]
    /// An upload needs one part; a body of thousands of tiny parts is refused before they are read.
    static let maximumParts = 16

    /// The boundary of a `multipart/form-data; boundary=…` content type, or nil for another type.
    static func boundary(of contentType: String) -> String? {
        let fields = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.first?.lowercased() == "multipart/form-data" else { return nil }
        for field in fields.dropFirst() where field.lowercased().hasPrefix("boundary=") {
            let value = field.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value.isEmpty || value.count > 70 ? nil : value
        }
        return nil
    }

    init(_ body: Data, boundary: String) throws(ParseError) {
        let delimiter = Data("--\(boundary)".utf8)
        let bytes = [UInt8](body)
        var positions: [Int] = []
        var search = 0
        while let found = Self.find(Array(delimiter), in: bytes, from: search) {
            positions.append(found)
            guard positions.count <= Self.maximumParts + 1 else { throw .malformed("more than \(Self.maximumParts) parts") }
            search = found + delimiter.count
        }
        guard positions.count >= 2 else { throw .malformed("fewer than two boundaries") }
        var parts: [Part] = []
        for (start, end) in zip(positions, positions.dropFirst()) {
            var cursor = start + delimiter.count
            // After a boundary: CRLF, then headers; a part ends with CRLF before the next boundary.
            guard cursor + 2 <= bytes.count, bytes[cursor] == 13, bytes[cursor + 1] == 10 else { throw .malformed("no line break after a boundary") }
            cursor += 2
            guard let headerEnd = Self.find([13, 10, 13, 10], in: bytes, from: cursor), headerEnd <= end else {
                throw .malformed("a part has no blank line after its headers")
            }
            let headers = String(decoding: bytes[cursor..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            let contentEnd = end - 2
            guard contentEnd >= contentStart, bytes[contentEnd] == 13, bytes[contentEnd + 1] == 10 else {
                throw .malformed("a part does not end with a line break")
            }
            parts.append(try Self.part(headers: headers, data: Data(bytes[contentStart..<contentEnd])))
        }
        let closing = positions.last! + delimiter.count
        guard closing + 2 <= bytes.count, bytes[closing] == 45, bytes[closing + 1] == 45 else { throw .malformed("no closing boundary") }
        self.parts = parts
    }

    static func part(headers: String, data: Data) throws(ParseError) -> Part {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if field == "content-type" { contentType = value }
            guard field == "content-disposition" else { continue }
            for parameter in value.split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                let unquoted = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
                switch pair[0].lowercased() {
                case "name": name = unquoted
                case "filename": filename = (unquoted as NSString).lastPathComponent  // never a path
                default: break
                }
            }
        }
        guard let name else { throw .malformed("a part has no name") }
        return Part(name: name, filename: filename, contentType: contentType, data: data)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
