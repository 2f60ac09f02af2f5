/// Deterministic pseudo-random unit vectors for index tests: the same seed gives the same vector.
public func unitVector(_ seed: Int, dimensions: Int = 24) -> [Float] {
    var state = UInt64(seed) &* 0x9E3779B97F4A7C15 &+ 1
    let raw = (0..<dimensions).map { _ -> Float in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
    }
    let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return raw.map { $0 / norm }
}
