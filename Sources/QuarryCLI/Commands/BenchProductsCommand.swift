import ArgumentParser
import CKernels
import Foundation
import QuarryEmbedding

extension BenchCommand {
    /// `quarry bench products`: the encoder's two dense-product kernels on one shape, side by side.
    ///
    /// Whether int8 products pay depends on the CPU far more than on the code: where a core issues
    /// as many 8-bit multiply-adds a cycle as float ones (AMD's first Zen: vpmaddubsw and vpmaddwd
    /// each half a 256-bit instruction a cycle, FMA one), integers gain nothing over halves widened
    /// to floats; with AVX-512 VNNI one instruction does four times a float FMA's work. This
    /// measures it on the host at hand.
    struct Products: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time the half and int8 dense products on one thread: one layer's shape, interleaved rounds, median multiply-adds per second.",
            discussion: "The shape defaults to the feed-forward output layer of all-MiniLM-L6-v2 for a block of 96 token rows (96 x 1536 -> 384)."
        )

        @Option(help: "Input rows.") var rows = 96
        @Option(help: "Inputs per row.") var inputs = 1536
        @Option(help: "Outputs per row.") var outputs = 384
        @Option(help: "Interleaved rounds; the median is reported.") var rounds = 15
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard rows >= 1, inputs >= 1, outputs >= 1, rounds >= 1 else { throw ValidationError("--rows, --inputs, --outputs and --rounds must be at least 1") }
            guard rows * inputs <= 1 << 26, inputs * outputs <= 1 << 26 else { throw ValidationError("the shape is too large to time") }
        }

        struct Result: Encodable {
            let kernels: String
            let rows, inputs, outputs: Int
            let halfGigaMultiplyAdds, int8GigaMultiplyAdds, int8OverHalf: Double
        }

        func run() throws {
            let panels = (outputs + Int(QUARRY_PANEL) - 1) / Int(QUARRY_PANEL)
            let input = (0..<(rows * inputs)).map { Float(($0 * 7919) % 1000) / 500 - 1 }
            let weight = (0..<(outputs * inputs)).map { Float(($0 * 104_729) % 1000) / 5000 - 0.1 }
            let bias = [Float](repeating: 0, count: outputs)
            var halves = [UInt16](repeating: 0, count: quarry_packed_count(Int32(outputs), Int32(inputs)))
            quarry_pack(weight, Int32(outputs), Int32(inputs), &halves)
            var codes = [Int8](repeating: 0, count: quarry_packed_int8_count(Int32(outputs), Int32(inputs)))
            var scales = [Float](repeating: 0, count: panels * Int(QUARRY_PANEL))
            var sums = [Int32](repeating: 0, count: panels * Int(QUARRY_PANEL))
            quarry_pack_int8(weight, Int32(outputs), Int32(inputs), nil, &codes, &scales, &sums)
            var floatScratch = [Float](repeating: 0, count: quarry_linear_scratch_count(Int32(inputs)))
            var byteScratch = [UInt8](repeating: 0, count: quarry_linear_int8_scratch_bytes(Int32(inputs)))
            var output = [Float](repeating: 0, count: rows * outputs)

            // Each timing repeats the product until it has run 50 ms, so one is not lost in the clock.
            func time(_ product: () -> Void) -> Double {
                product()  // warm the caches
                var repeats = 0
                let start = ContinuousClock.now
                repeat {
                    product()
                    repeats += 1
                } while ContinuousClock.now - start < .milliseconds(50)
                return (ContinuousClock.now - start).seconds / Double(repeats)
            }
            var half: [Double] = [], int8: [Double] = []
            for _ in 0..<rounds {
                half.append(time {
                    quarry_linear(input, Int32(inputs), 0, Int32(rows), halves, bias, Int32(inputs), Int32(outputs), 0, Int32(panels), 0,
                                  &output, Int32(outputs), &floatScratch)
                })
                int8.append(time {
                    quarry_linear_int8(input, Int32(inputs), 0, Int32(rows), nil, codes, scales, sums, bias, Int32(inputs), Int32(outputs), 0, Int32(panels), 0,
                                       &output, Int32(outputs), &byteScratch)
                })
            }
            let multiplyAdds = Double(rows * inputs * outputs)
            let halfRate = multiplyAdds / half.sorted()[rounds / 2] / 1e9, int8Rate = multiplyAdds / int8.sorted()[rounds / 2] / 1e9
            let result = Result(kernels: BertEncoder.kernelLevel, rows: rows, inputs: inputs, outputs: outputs,
                                halfGigaMultiplyAdds: halfRate, int8GigaMultiplyAdds: int8Rate, int8OverHalf: int8Rate / halfRate)
            if json {
                print(try DocumentOutput.json(result))
            } else {
                print("kernels: \(result.kernels), one thread, \(rows) x \(inputs) -> \(outputs), median of \(rounds) interleaved rounds")
                print(String(format: "half: %.1f G multiply-adds/s; int8: %.1f G multiply-adds/s; int8 / half %.2f", halfRate, int8Rate, result.int8OverHalf))
            }
        }
    }
}
