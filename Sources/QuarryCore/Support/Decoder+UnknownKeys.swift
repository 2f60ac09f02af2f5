extension Decoder {
    /// The first key of the JSON object, in sorted order, that is not among `known`: request
    /// bodies refuse unknown fields, since a misspelled one would otherwise be ignored and its
    /// intent lost (a filter not applied).
    public func unknownKey(among known: Set<String>) throws -> String? {
        try container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted().first { !known.contains($0) }
    }
}

/// Any key, to list an object's keys.
private struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
