/// The largest magnitude each dense product's inputs reached over calibration texts on the half
/// path: per encoder layer, the four products in order (query-key-value, attention output,
/// intermediate, output), per input. What the int8 codes are smoothed by (`PackedLinear.smoothing`).
struct ActivationRanges: Sendable {
    let layers: [[[Float]]]

    /// Ranges recorded product by product, four per layer.
    init(products: [[Float]]) {
        layers = stride(from: 0, to: products.count, by: 4).map { Array(products[$0..<min($0 + 4, products.count)]) }
    }
}

/// Collects ``ActivationRanges`` as the encoder runs: one call per product, in the order they run.
/// Used by one encoding at a time, on the thread that drives it.
final class ActivationRecorder: @unchecked Sendable {
    private(set) var products: [[Float]] = []

    func record(_ input: UnsafePointer<Float>, rows: Int, inputs: Int) {
        var largest = [Float](repeating: 0, count: inputs)
        for row in 0..<rows {
            for k in 0..<inputs { largest[k] = max(largest[k], abs(input[row * inputs + k])) }
        }
        products.append(largest)
    }
}
