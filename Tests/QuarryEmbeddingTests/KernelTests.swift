import CKernels
import Foundation
import Testing

/// The encoder's C kernels against plain double-precision loops, on shapes that exercise partial
/// panels, partial register tiles, several row blocks and split row/column ranges.
@Suite("encoder kernels")
struct KernelTests {
    /// Deterministic values in [-scale, scale).
    static func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

    static func pack(_ weight: [Float], outputs: Int, inputs: Int) -> [UInt16] {
        var packed = [UInt16](repeating: 0x7e00, count: quarry_packed_count(Int32(outputs), Int32(inputs)))  // NaN
        quarry_pack(weight, Int32(outputs), Int32(inputs), &packed)
        return packed
    }

    @Test("linear layers equal the reference at every kernel level this CPU runs, with and without GELU, however rows and panels are split",
          arguments: [(1, 384, 384), (13, 40, 50), (200, 100, 70), (12, 1536, 384), (250, 384, 1152)])
    func linear(rows: Int, inputs: Int, outputs: Int) {
        let input = Self.values(rows * inputs, seed: 1, scale: 2)
        // Some weights below half precision's normal range (6.1e-5), which the baseline level
        // widens by its own arithmetic.
        let weight = Self.values(outputs * inputs, seed: 2, scale: 0.2).enumerated().map { $0.offset % 7 == 0 ? $0.element * 1e-4 : $0.element }
        let bias = Self.values(outputs, seed: 3)
        let packed = Self.pack(weight, outputs: outputs, inputs: inputs)
        let panels = (outputs + Int(QUARRY_PANEL) - 1) / Int(QUARRY_PANEL)
        var scratch = [Float](repeating: 0, count: quarry_linear_scratch_count(Int32(inputs)))
        var levels: [String] = []
        for level in ["avx512", "avx2", "portable"] {
            for gelu in [false, true] {
                var whole = [Float](repeating: .nan, count: rows * outputs)
                guard quarry_linear_at_level(level, input, Int32(inputs), 0, Int32(rows), packed, bias, Int32(inputs), Int32(outputs),
                                             0, Int32(panels), gelu ? 1 : 0, &whole, Int32(outputs), &scratch) == 1 else { continue }
                if !gelu { levels.append(level) }
                var worst = 0.0
                for row in 0..<rows {
                    for column in 0..<outputs {
                        var sum = Double(bias[column])
                        // The kernel's weights are the nearest halves.
                        for k in 0..<inputs { sum += Double(input[row * inputs + k]) * Double(Float16(weight[column * inputs + k])) }
                        let expected = gelu ? Self.gelu(sum) : sum
                        worst = max(worst, abs(expected - Double(whole[row * outputs + column])) / max(1, abs(expected)))
                    }
                }
                #expect(worst < 2e-5, "\(level) \(rows)×\(inputs)×\(outputs) gelu \(gelu): relative error \(worst)")

                // The same product in four pieces: rows split in two, panels split in two.
                var pieces = [Float](repeating: .nan, count: rows * outputs)
                let rowSplit = rows / 2, panelSplit = panels / 2
                for (rowRange, panelRange) in [(0, rowSplit), (rowSplit, rows)].flatMap({ r in [(0, panelSplit), (panelSplit, panels)].map { (r, $0) } }) {
                    _ = quarry_linear_at_level(level, input, Int32(inputs), Int32(rowRange.0), Int32(rowRange.1), packed, bias, Int32(inputs), Int32(outputs),
                                               Int32(panelRange.0), Int32(panelRange.1), gelu ? 1 : 0, &pieces, Int32(outputs), &scratch)
                }
                #expect(pieces == whole, "\(level): splitting the product changed it")
            }
        }
        #expect(levels.contains("portable") && levels.contains(String(cString: quarry_kernel_level())), "levels run: \(levels)")
    }

    @Test("attention of one head equals softmax(q·kᵀ/√d)·v", arguments: [1, 7, 33, 256])
    func attention(length: Int) {
        let hidden = 64, headSize = 32, head = 1
        let qkv = Self.values(length * 3 * hidden, seed: UInt64(length), scale: 3)
        var context = [Float](repeating: 0, count: length * hidden)
        var scratch = [Float](repeating: 0, count: quarry_attention_scratch_count(Int32(length), Int32(headSize)))
        quarry_attention(qkv, Int32(length), Int32(hidden), Int32(head), Int32(headSize), &context, &scratch)
        func at(_ row: Int, _ part: Int, _ d: Int) -> Double { Double(qkv[row * 3 * hidden + part * hidden + head * headSize + d]) }
        var worst = 0.0
        for i in 0..<length {
            var scores = (0..<length).map { j in (0..<headSize).reduce(0.0) { $0 + at(i, 0, $1) * at(j, 1, $1) } / Double(headSize).squareRoot() }
            let top = scores.max()!
            scores = scores.map { exp($0 - top) }
            let total = scores.reduce(0, +)
            for d in 0..<headSize {
                let expected = (0..<length).reduce(0.0) { $0 + scores[$1] / total * at($1, 2, d) }
                worst = max(worst, abs(expected - Double(context[i * hidden + head * headSize + d])))
            }
        }
        #expect(worst < 1e-5, "length \(length): error \(worst)")
        // Other heads' columns are left alone.
        #expect(context.enumerated().allSatisfy { ($0.offset % hidden) / headSize == head || $0.element == 0 })
    }

    @Test("residual add and layer normalisation equal the reference")
    func layerNorm() {
        let rows = 5, hidden = 384
        let states = Self.values(rows * hidden, seed: 7, scale: 4)
        let delta = Self.values(rows * hidden, seed: 8)
        let gamma = Self.values(hidden, seed: 9), beta = Self.values(hidden, seed: 10)
        var output = states
        quarry_add_layer_norm(&output, delta, 1, Int32(rows), Int32(hidden), gamma, beta, 1e-12)
        #expect(Array(output[0..<hidden]) == Array(states[0..<hidden]), "row 0 is outside the range")
        var worst = 0.0
        for row in 1..<rows {
            let x = (0..<hidden).map { Double(states[row * hidden + $0]) + Double(delta[row * hidden + $0]) }
            let mean = x.reduce(0, +) / Double(hidden)
            let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(hidden)
            for column in 0..<hidden {
                let expected = (x[column] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[column]) + Double(beta[column])
                worst = max(worst, abs(expected - Double(output[row * hidden + column])))
            }
        }
        #expect(worst < 1e-5, "error \(worst)")
    }

    @Test("row dot products equal the reference for any width, in any split or list of rows", arguments: [384, 24, 7])
    func dotRows(dimensions: Int) {
        let rows = 1003
        let matrix = Self.values(rows * dimensions, seed: 11, scale: 1)
        let vector = Self.values(dimensions, seed: 12, scale: 1)
        var scores = [Float](repeating: .nan, count: rows)
        quarry_dot_rows(matrix, Int32(dimensions), 0, 500, vector, &scores)
        quarry_dot_rows(matrix, Int32(dimensions), 500, rows, vector, &scores)
        var worst = 0.0
        for row in 0..<rows {
            let expected = (0..<dimensions).reduce(0.0) { $0 + Double(matrix[row * dimensions + $1]) * Double(vector[$1]) }
            worst = max(worst, abs(expected - Double(scores[row])))
        }
        #expect(worst < 1e-4, "error \(worst)")

        // Listed rows, repeated and out of order, fewer and more than are fetched ahead, split
        // over the shared pool or not: each scores exactly as its row does in the whole scan.
        for list in [[Int32](), [5], [1002, 0, 7, 7, 500, 3], (0..<Int32(rows)).reversed().filter { $0 % 3 == 0 }] {
            for pool in [nil, quarry_pool_shared()] {
                var listed = [Float](repeating: .nan, count: list.count)
                quarry_dot_listed_rows(pool, matrix, Int32(dimensions), list, list.count, vector, &listed)
                #expect(listed == list.map { scores[Int($0)] }, "rows \(list.prefix(8))…, pool \(pool != nil)")
            }
        }
    }

    @Test("int8 row dot products are exact for any width and row count, split or whole, through the shared pool",
          arguments: [(384, 25_003), (384, 7), (128, 40_001), (100, 30_000), (24, 5)])
    func dotRowsInt8(dimensions: Int, rows: Int) {
        // Codes as the index stores them: -127…127 (symmetric quantisation never makes -128).
        let matrix = Self.values(rows * dimensions, seed: 21, scale: 127.99).map { Int8(max(-127, min(127, $0.rounded(.towardZero)))) }
        let vector = Self.values(dimensions, seed: 22, scale: 127.99).map { Int8(max(-127, min(127, $0.rounded(.towardZero)))) }
        var expected = [Int32](repeating: 0, count: rows)
        for row in 0..<rows {
            for dimension in 0..<dimensions { expected[row] += Int32(matrix[row * dimensions + dimension]) * Int32(vector[dimension]) }
        }
        var split = [Int32](repeating: .min, count: rows)
        quarry_dot_rows_int8(matrix, Int32(dimensions), 0, rows / 3, vector, &split)
        quarry_dot_rows_int8(matrix, Int32(dimensions), rows / 3, rows, vector, &split)
        #expect(split == expected)
        var pooled = [Int32](repeating: .min, count: rows)
        quarry_dot_rows_int8_parallel(quarry_pool_shared(), matrix, Int32(dimensions), rows, vector, &pooled)
        #expect(pooled == expected)
    }

    @Test("the best rows of one tenant by int8 score: the same rows as sorting every score, however the rows are split",
          arguments: [(7, 64), (1_000, 1), (25_003, 400), (40_001, 64)])
    func bestRowsInt8(rows: Int, count: Int) {
        let dimensions = 384
        var matrix = Self.values(rows * dimensions, seed: 31, scale: 127.99).map { Int8(max(-127, min(127, $0.rounded(.towardZero)))) }
        let vector = Self.values(dimensions, seed: 32, scale: 127.99).map { Int8(max(-127, min(127, $0.rounded(.towardZero)))) }
        var scales = Self.values(rows, seed: 33, scale: 0.01).map { abs($0) + 0.001 }
        // Every 13th row the query itself at one scale: equal best scores, so ties decide the order.
        for row in stride(from: 0, to: rows, by: 13) {
            matrix.replaceSubrange(row * dimensions ..< (row + 1) * dimensions, with: vector)
            scales[row] = 0.02
        }
        // Tenants 0, 1 and 2 interleaved, some rows removed (-1).
        let tenants = (0..<rows).map { Int32($0 % 7 == 6 ? -1 : $0 % 3) }
        var sums = [Int32](repeating: 0, count: rows)
        quarry_dot_rows_int8(matrix, Int32(dimensions), 0, rows, vector, &sums)
        for tenant: Int32 in [0, 2] {
            var all: [quarry_candidate] = []
            for row in 0..<rows where tenants[row] == tenant { all.append(quarry_candidate(score: Float(sums[row]) * scales[row], row: Int32(row))) }
            let expected = Array(all.sorted(by: Self.ranksAbove).prefix(count))
            var best = [quarry_candidate](repeating: quarry_candidate(), count: count)
            let found = quarry_best_rows_int8(quarry_pool_shared(), matrix, scales, tenants, tenant, Int32(dimensions), rows, vector, count, &best)
            let got = best.prefix(Int(found)).sorted(by: Self.ranksAbove)
            #expect(got.map(\.row) == expected.map(\.row), "tenant \(tenant)")
            #expect(got.map(\.score) == expected.map(\.score))
        }
    }

    @Test("sign bits: one per dimension, set where the code is positive", arguments: [384, 100, 64, 7])
    func signBits(dimensions: Int) {
        let rows = 5
        let codes = Self.values(rows * dimensions, seed: 41, scale: 127.99).map { Int8(max(-127, min(127, $0.rounded(.towardZero)))) }
        let words = (dimensions + 63) / 64
        var bits = [UInt64](repeating: .max, count: rows * words)
        quarry_sign_bits(codes, Int32(dimensions), rows, &bits)
        for row in 0..<rows {
            for dimension in 0..<words * 64 {
                let bit = bits[row * words + dimension / 64] >> UInt64(dimension % 64) & 1 == 1
                #expect(bit == (dimension < dimensions && codes[row * dimensions + dimension] > 0), "row \(row) dimension \(dimension)")
            }
        }
    }

    @Test("a query for the sign pass: its sign bits, then each dimension's weight round(|code| · 15 / 127) in four bit planes",
          arguments: [384, 100, 7])
    func signQuery(dimensions: Int) {
        let codes = Self.values(dimensions, seed: 53, scale: 127.99).map { Int8(max(-127, min(127, $0.rounded(.towardZero)))) }
        let words = (dimensions + 63) / 64, planes = Int(QUARRY_SIGN_PLANES)
        var query = [UInt64](repeating: .max, count: words * (1 + planes))
        quarry_sign_query(codes, Int32(dimensions), &query)
        for dimension in 0..<words * 64 {
            func bit(_ part: Int) -> Int { Int(query[part * words + dimension / 64] >> UInt64(dimension % 64) & 1) }
            let code = dimension < dimensions ? Int(codes[dimension]) : 0
            let weight = (0..<planes).reduce(0) { $0 + bit(1 + $1) << $1 }
            #expect(bit(0) == (code > 0 ? 1 : 0), "sign of dimension \(dimension)")
            #expect(weight == Int((Double(abs(code)) * 15 / 127).rounded()), "weight of dimension \(dimension), code \(code)")
        }
    }

    @Test("the rows nearest by weighted sign distance: the same rows as sorting every distance, earlier rows first at the cut, one tenant only",
          arguments: [(7, 3), (1_000, 64), (25_003, 1_500), (40_001, 6_250), (30, 100)])
    func nearestSigns(rows: Int, count: Int) {
        let words = 6, planes = Int(QUARRY_SIGN_PLANES)
        // Few distinct distances (bits drawn from a handful of words), so many rows tie at the cut.
        let pool = Self.values(8 * words, seed: 51, scale: 1).map { UInt64(bitPattern: Int64($0 * 9.2e18)) }
        let bits = (0..<rows * words).map { pool[($0 * 7 + $0 / 5) % pool.count] }
        // The query's signs, then its weights' bit planes (any bits will do).
        let query = (0..<words * (1 + planes)).map { pool[($0 * 5 + 3) % pool.count] }
        let tenants = (0..<rows).map { Int32($0 % 7 == 6 ? -1 : $0 % 3) }
        // Σ over dimensions whose signs differ of the query's weight there.
        func distance(_ row: Int) -> Int {
            (0..<words).reduce(0) { sum, word in
                let differ = bits[row * words + word] ^ query[word]
                return sum + (0..<planes).reduce(0) { $0 + (differ & query[(1 + $1) * words + word]).nonzeroBitCount << $1 }
            }
        }
        let blocks = Self.signBlocks(bits, words: words)
        for tenant: Int32 in [0, 2] {
            let distances = (0..<rows).filter { tenants[$0] == tenant }.map { (row: $0, distance: distance($0)) }
            let expected = distances.sorted { ($0.distance, $0.row) < ($1.distance, $1.row) }.prefix(count).map { Int32($0.row) }.sorted()
            // Every kernel this CPU can run, then back to the default (the others are correct too,
            // so tests running meanwhile are not disturbed).
            defer { quarry_use_sign_kernel(nil) }
            for kernel in ["vpopcnt", "popcnt", "portable"] where quarry_use_sign_kernel(kernel) == 1 {
                var found = [Int32](repeating: -1, count: count)
                let kept = quarry_nearest_signs(quarry_pool_shared(), blocks, Int32(words), tenants, tenant, rows, query, count, &found)
                #expect(Array(found.prefix(Int(kept))) == expected, "tenant \(tenant), kernel \(kernel)")

                // In steps, with workers coming in any order or not at all (as one does that has
                // other work first): whoever comes takes what is left, and the rows are the same.
                for order in [[2, 0], [1], [0, 1, 2]] {
                    var inSteps = [Int32](repeating: -1, count: count)
                    // The scan reads the three arrays until it finishes.
                    let keptInSteps = blocks.withUnsafeBufferPointer { blocks in
                        tenants.withUnsafeBufferPointer { tenants in
                            query.withUnsafeBufferPointer { query in
                                let scan = quarry_signs_begin(blocks.baseAddress!, Int32(words), tenants.baseAddress!, tenant, rows, query.baseAddress!, 3)!
                                for worker in order { quarry_signs_work(scan, Int32(worker)) }
                                return quarry_signs_finish(scan, count, &inSteps)
                            }
                        }
                    }
                    #expect(Array(inSteps.prefix(Int(keptInSteps))) == expected, "tenant \(tenant), kernel \(kernel), workers \(order)")
                }
            }
        }
    }

    /// Row-major sign words in the index's blocked layout, written out here from its definition.
    static func signBlocks(_ bits: [UInt64], words: Int) -> [UInt64] {
        let rows = bits.count / words, block = Int(QUARRY_SIGN_BLOCK)
        var blocks = [UInt64](repeating: 0, count: (rows + block - 1) / block * block * words)
        for row in 0..<rows {
            for word in 0..<words { blocks[row / block * block * words + word * block + row % block] = bits[row * words + word] }
        }
        return blocks
    }

    @Test("sign bits stored in blocks: each row's words where the layout puts them, the same as one row's", arguments: [384, 100, 7])
    func signBlocksStored(dimensions: Int) {
        let rows = 21
        let codes = Self.values(rows * dimensions, seed: 43, scale: 127.99).map { Int8(max(-127, min(127, $0.rounded(.towardZero)))) }
        let words = (dimensions + 63) / 64
        var plain = [UInt64](repeating: 0, count: rows * words)
        quarry_sign_bits(codes, Int32(dimensions), rows, &plain)
        #expect(quarry_sign_block_words(rows, Int32(dimensions)) == 24 * words)
        var blocks = [UInt64](repeating: .max, count: quarry_sign_block_words(rows, Int32(dimensions)))
        quarry_store_sign_bits(codes, Int32(dimensions), 0, 13, &blocks)
        Array(codes[(13 * dimensions)...]).withUnsafeBufferPointer { rest in
            quarry_store_sign_bits(rest.baseAddress!, Int32(dimensions), 13, rows - 13, &blocks)
        }
        let expected = Self.signBlocks(plain, words: words)
        for index in 0..<(rows / 8 * 8 * words) { #expect(blocks[index] == expected[index], "word \(index)") }
        // The last, partial block: only its rows' words are written.
        for row in (rows / 8 * 8)..<rows {
            for word in 0..<words { #expect(blocks[row / 8 * 8 * words + word * 8 + row % 8] == plain[row * words + word]) }
        }
    }

    @Test("rows too wide for 16-bit distances are refused, not miscounted")
    func nearestSignsTooWide() {
        // 68 words (4,352 dimensions) at the largest weight sum to 65,280; 69 would pass 65,535.
        for (words, refused) in [(68, false), (69, true)] {
            let bits = [UInt64](repeating: 0, count: 8 * words), query = [UInt64](repeating: .max, count: words * (1 + Int(QUARRY_SIGN_PLANES)))
            var found = [Int32](repeating: -1, count: 1)
            let kept = quarry_nearest_signs(nil, bits, Int32(words), [0, 0], 0, 2, query, 1, &found)
            #expect(refused ? kept == -1 : kept == 1, "\(words) words")
        }
    }

    @Test("the best of listed rows by int8 score: the same rows as sorting their scores, split or not", arguments: [(10, 5), (3_000, 400), (9_000, 64)])
    func bestListedRowsInt8(listed: Int, count: Int) {
        let rows = 20_000, dimensions = 384
        let matrix = Self.values(rows * dimensions, seed: 61, scale: 127.99).map { Int8(max(-127, min(127, $0.rounded(.towardZero)))) }
        let vector = Self.values(dimensions, seed: 62, scale: 127.99).map { Int8(max(-127, min(127, $0.rounded(.towardZero)))) }
        let scales = Self.values(rows, seed: 63, scale: 0.01).map { abs($0) + 0.001 }
        let list = (0..<listed).map { Int32($0 * (rows / listed)) }
        var sums = [Int32](repeating: 0, count: rows)
        quarry_dot_rows_int8(matrix, Int32(dimensions), 0, rows, vector, &sums)
        let expected = list.map { quarry_candidate(score: Float(sums[Int($0)]) * scales[Int($0)], row: $0) }.sorted(by: Self.ranksAbove).prefix(count)
        var best = [quarry_candidate](repeating: quarry_candidate(), count: count)
        let found = quarry_best_listed_rows_int8(quarry_pool_shared(), matrix, scales, Int32(dimensions), list, listed, vector, count, &best)
        #expect(best.prefix(Int(found)).sorted(by: Self.ranksAbove).map(\.row) == expected.map(\.row))
    }

    static func ranksAbove(_ a: quarry_candidate, _ b: quarry_candidate) -> Bool { a.score > b.score || (a.score == b.score && a.row < b.row) }

    @Test("this machine runs the vector kernels, unless QUARRY_KERNELS=portable holds them back")
    func level() {
        // Every machine of this project's kind has AVX2 at least; a portable pick would mean detection broke.
        let forced = ProcessInfo.processInfo.environment["QUARRY_KERNELS"] == "portable"
        #expect((String(cString: quarry_kernel_level()) == "portable") == forced)
    }
}
