import Hummingbird

/// `?limit=&offset=` of a list route: absent ones take their defaults, others must be integers in range (400 naming the parameter).
struct Paging {
    let limit: Int
    let offset: Int

    init(_ request: Request, defaultLimit: Int, maximumLimit: Int) throws {
        limit = try Self.integer(request, "limit", default: defaultLimit, in: 1...maximumLimit)
        offset = try Self.integer(request, "offset", default: 0, in: 0...Int.max)
    }

    static func integer(_ request: Request, _ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw RequestError.malformed("query parameter \(name) must be an integer \(bounds)", field: name)
        }
        return number
    }
}
