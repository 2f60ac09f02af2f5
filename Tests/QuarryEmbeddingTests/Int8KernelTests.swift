import CKernels
import Foundation
import Testing

/// The int8 product against the same quantisation done here in plain loops: the kernels' integer
/// sums must be exact at every level, so the only error left is the dequantisation's rounding.
@Suite("int8 kernels")
struct Int8KernelTests {
    struct Packed {
        var codes: [Int8]
        var scales: [Float]
        var sums: [Int32]
    }

    static func pack(_ weight: [Float], outputs: Int, inputs: Int) -> Packed {
        let whole = (outputs + Int(QUARRY_PANEL) - 1) / Int(QUARRY_PANEL) * Int(QUARRY_PANEL)
        var packed = Packed(codes: [Int8](repeating: 99, count: quarry_packed_int8_count(Int32(outputs), Int32(inputs))),
                            scales: [Float](repeating: .nan, count: whole), sums: [Int32](repeating: 99, count: whole))
        quarry_pack_int8(weight, Int32(outputs), Int32(inputs), nil, &packed.codes, &packed.scales, &packed.sums)
        return packed
    }

    /// Each output channel's codes as the packing is documented to lay them out.
    static func code(_ packed: Packed, output: Int, input: Int, inputs: Int) -> Int {
        let panel = Int(QUARRY_PANEL), quads = (inputs + 3) / 4
        return Int(packed.codes[(((output / panel) * quads + input / 4) * panel + output % panel) * 4 + input % 4])
    }

    /// The product as documented: rows quantised to bytes by their own range (zero included),
    /// summed exactly, scaled back.
    static func reference(input: [Float], rows: Int, inputs: Int, outputs: Int, packed: Packed, bias: [Float], gelu: Bool) -> [Double] {
        var output = [Double](repeating: 0, count: rows * outputs)
        for row in 0..<rows {
            let x = input[(row * inputs)..<((row + 1) * inputs)]
            let low = min(0, x.min()!), high = max(0, x.max()!)
            let scale = high > low ? (high - low) / 255 : 1
            let zero = Int(max(0, min(255, (-low / scale).rounded(.toNearestOrEven))))
            let inverse = 1 / scale
            let codes = x.map { Int(max(0, min(255, ($0 * inverse).rounded(.toNearestOrEven) + Float(zero)))) }
            for column in 0..<outputs {
                var total = 0
                for k in 0..<inputs { total += codes[k] * code(packed, output: column, input: k, inputs: inputs) }
                let value = Double(bias[column]) + Double(scale) * Double(packed.scales[column]) * Double(total - zero * Int(packed.sums[column]))
                output[row * outputs + column] = gelu ? KernelTests.gelu(value) : value
            }
        }
        return output
    }

    @Test("weights packed per output channel: codes within ±63, the largest magnitude at ±63, scales and column sums as the codes say")
    func packing() {
        let (outputs, inputs) = (37, 10)
        let weight = KernelTests.values(outputs * inputs, seed: 5, scale: 0.3)
        let packed = Self.pack(weight, outputs: outputs, inputs: inputs)
        for output in 0..<outputs {
            let row = weight[(output * inputs)..<((output + 1) * inputs)]
            let codes = (0..<inputs).map { Self.code(packed, output: output, input: $0, inputs: inputs) }
            #expect(codes.allSatisfy { abs($0) <= 63 } && codes.contains { abs($0) == 63 })
            #expect(packed.sums[output] == Int32(codes.reduce(0, +)))
            for (k, value) in row.enumerated() { #expect(abs(Float(codes[k]) * packed.scales[output] - value) <= packed.scales[output] / 2 * 1.0001) }
        }
        // The padding of the last panel and of the last four inputs holds zeros.
        #expect((outputs..<64).allSatisfy { packed.scales[$0] == 0 && packed.sums[$0] == 0 })
        #expect((0..<64).allSatisfy { output in (inputs..<12).allSatisfy { Self.code(packed, output: output, input: $0, inputs: inputs) == 0 } })
    }

    @Test("int8 products equal the documented quantisation at every kernel level this CPU runs, however rows and panels are split",
          arguments: [(1, 384, 384), (10, 384, 1152), (13, 42, 50), (200, 100, 70), (101, 1536, 384)])
    func linear(rows: Int, inputs: Int, outputs: Int) {
        // Rows of different ranges, one all positive (zero point 0) and one all zero.
        var input = KernelTests.values(rows * inputs, seed: 11, scale: 3)
        for k in 0..<inputs { input[k] = abs(input[k]) }
        if rows > 2 { for k in 0..<inputs { input[inputs + k] = 0 } }
        let weight = KernelTests.values(outputs * inputs, seed: 12, scale: 0.2)
        let bias = KernelTests.values(outputs, seed: 13)
        let packed = Self.pack(weight, outputs: outputs, inputs: inputs)
        let panels = (outputs + Int(QUARRY_PANEL) - 1) / Int(QUARRY_PANEL)
        var scratch = [UInt8](repeating: 0, count: quarry_linear_int8_scratch_bytes(Int32(inputs)))
        var levels: [String] = []
        for gelu in [false, true] {
            let expected = Self.reference(input: input, rows: rows, inputs: inputs, outputs: outputs, packed: packed, bias: bias, gelu: gelu)
            for level in ["avx512", "avx2", "portable"] {
                var whole = [Float](repeating: .nan, count: rows * outputs)
                guard quarry_linear_int8_at_level(level, input, Int32(inputs), 0, Int32(rows), nil, packed.codes, packed.scales, packed.sums, bias,
                                                  Int32(inputs), Int32(outputs), 0, Int32(panels), gelu ? 1 : 0, &whole, Int32(outputs), &scratch) == 1
                else { continue }
                if !gelu { levels.append(level) }
                let worst = zip(expected, whole).map { abs($0 - Double($1)) / max(1, abs($0)) }.max() ?? .nan
                #expect(worst < 1e-5, "\(level) \(rows)×\(inputs)×\(outputs) gelu \(gelu): relative error \(worst)")

                var pieces = [Float](repeating: .nan, count: rows * outputs)
                let rowSplit = rows / 2, panelSplit = panels / 2
                for (rowRange, panelRange) in [(0, rowSplit), (rowSplit, rows)].flatMap({ r in [(0, panelSplit), (panelSplit, panels)].map { (r, $0) } }) {
                    _ = quarry_linear_int8_at_level(level, input, Int32(inputs), Int32(rowRange.0), Int32(rowRange.1), nil, packed.codes, packed.scales,
                                                    packed.sums, bias, Int32(inputs), Int32(outputs), Int32(panelRange.0), Int32(panelRange.1),
                                                    gelu ? 1 : 0, &pieces, Int32(outputs), &scratch)
                }
                #expect(pieces == whole, "\(level): splitting the product changed it")
            }
        }
        #expect(levels.contains("portable") && levels.contains(String(cString: quarry_kernel_level())), "levels run: \(levels)")
    }

    @Test("the largest codes meet without saturating: bytes of 255 against weights of ±63 sum exactly at every level")
    func extremes() {
        let (rows, inputs, outputs) = (4, 1536, 32)
        let input = [Float](repeating: 2, count: rows * inputs)  // every code 255, zero point 0
        let weight = (0..<(outputs * inputs)).map { $0 / inputs % 2 == 0 ? Float(0.5) : Float(-0.5) }
        let packed = Self.pack(weight, outputs: outputs, inputs: inputs)
        let bias = [Float](repeating: 0, count: outputs)
        var scratch = [UInt8](repeating: 0, count: quarry_linear_int8_scratch_bytes(Int32(inputs)))
        for level in ["avx512", "avx2", "portable"] {
            var output = [Float](repeating: .nan, count: rows * outputs)
            guard quarry_linear_int8_at_level(level, input, Int32(inputs), 0, Int32(rows), nil, packed.codes, packed.scales, packed.sums, bias,
                                              Int32(inputs), Int32(outputs), 0, 1, 0, &output, Int32(outputs), &scratch) == 1 else { continue }
            // 2 · 0.5 · 1536 = 1536 exactly, however the codes scale.
            #expect(output.enumerated().allSatisfy { abs($0.element - ($0.offset % 2 == 0 ? 1536 : -1536)) < 1e-2 }, "\(level): \(output.prefix(4))")
        }
    }

    @Test("int8 products stay near the float product on encoder-like values: cosine ≥ 0.9995 per row")
    func nearFloat() {
        let (rows, inputs, outputs) = (24, 384, 384)
        let input = KernelTests.values(rows * inputs, seed: 21, scale: 1.5)
        let weight = KernelTests.values(outputs * inputs, seed: 22, scale: 0.1)
        let bias = [Float](repeating: 0, count: outputs)
        let packed = Self.pack(weight, outputs: outputs, inputs: inputs)
        var scratch = [UInt8](repeating: 0, count: quarry_linear_int8_scratch_bytes(Int32(inputs)))
        var output = [Float](repeating: .nan, count: rows * outputs)
        quarry_linear_int8(input, Int32(inputs), 0, Int32(rows), nil, packed.codes, packed.scales, packed.sums, bias, Int32(inputs), Int32(outputs),
                           0, Int32(outputs / Int(QUARRY_PANEL)), 0, &output, Int32(outputs), &scratch)
        for row in 0..<rows {
            var (dot, exact2, got2) = (0.0, 0.0, 0.0)
            for column in 0..<outputs {
                var exact = 0.0
                for k in 0..<inputs { exact += Double(input[row * inputs + k]) * Double(weight[column * inputs + k]) }
                let got = Double(output[row * outputs + column])
                (dot, exact2, got2) = (dot + exact * got, exact2 + exact * exact, got2 + got * got)
            }
            #expect(dot / (exact2 * got2).squareRoot() >= 0.9995, "row \(row)")
        }
    }

    @Test("smoothing: an input channel thirty times the others is handed to the weights; the same product, nearer the float one, equal at every level")
    func smoothing() {
        let (rows, inputs, outputs) = (12, 384, 64)
        var input = KernelTests.values(rows * inputs, seed: 31, scale: 1)
        for row in 0..<rows { input[row * inputs + 7] *= 30 }  // the model's outlier channels look like this
        let weight = KernelTests.values(outputs * inputs, seed: 32, scale: 0.1)
        let bias = [Float](repeating: 0, count: outputs)
        var largest = [Float](repeating: 0, count: inputs), weights = [Float](repeating: 0, count: inputs)
        for (index, value) in input.enumerated() { largest[index % inputs] = max(largest[index % inputs], abs(value)) }
        for (index, value) in weight.enumerated() { weights[index % inputs] = max(weights[index % inputs], abs(value)) }
        let smoothing = (0..<inputs).map { (largest[$0] / weights[$0]).squareRoot() }
        let inverse = smoothing.map { 1 / $0 }
        var smoothed = Packed(codes: [Int8](repeating: 0, count: quarry_packed_int8_count(Int32(outputs), Int32(inputs))),
                              scales: [Float](repeating: 0, count: outputs), sums: [Int32](repeating: 0, count: outputs))
        quarry_pack_int8(weight, Int32(outputs), Int32(inputs), smoothing, &smoothed.codes, &smoothed.scales, &smoothed.sums)
        let plain = Self.pack(weight, outputs: outputs, inputs: inputs)
        var scratch = [UInt8](repeating: 0, count: quarry_linear_int8_scratch_bytes(Int32(inputs)))

        func error(_ output: [Float]) -> Double {
            var (squared, total) = (0.0, 0.0)
            for row in 0..<rows {
                for column in 0..<outputs {
                    var exact = 0.0
                    for k in 0..<inputs { exact += Double(input[row * inputs + k]) * Double(weight[column * inputs + k]) }
                    squared += (Double(output[row * outputs + column]) - exact) * (Double(output[row * outputs + column]) - exact)
                    total += exact * exact
                }
            }
            return (squared / total).squareRoot()
        }
        var unsmoothedOutput = [Float](repeating: .nan, count: rows * outputs)
        quarry_linear_int8(input, Int32(inputs), 0, Int32(rows), nil, plain.codes, plain.scales, plain.sums, bias, Int32(inputs), Int32(outputs),
                           0, 2, 0, &unsmoothedOutput, Int32(outputs), &scratch)
        var byLevel: [String: [Float]] = [:]
        for level in ["avx512", "avx2", "portable"] {
            var output = [Float](repeating: .nan, count: rows * outputs)
            guard quarry_linear_int8_at_level(level, input, Int32(inputs), 0, Int32(rows), inverse, smoothed.codes, smoothed.scales, smoothed.sums,
                                              bias, Int32(inputs), Int32(outputs), 0, 2, 0, &output, Int32(outputs), &scratch) == 1 else { continue }
            byLevel[level] = output
        }
        let portable = byLevel["portable"]!
        #expect(byLevel.values.allSatisfy { $0 == portable }, "every level computes the same smoothed product")
        let (before, after) = (error(unsmoothedOutput), error(portable))
        #expect(after < 0.9 * before, "relative error against the float product: \(before) unsmoothed, \(after) smoothed")
    }
}
