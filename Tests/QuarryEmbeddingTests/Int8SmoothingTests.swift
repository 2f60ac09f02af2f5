import Foundation
@testable import QuarryEmbedding
import QuarryTestSupport
import Testing

/// The int8 codes' smoothing, held to a dev set the gate never sees: SQuAD 2.0 passages and
/// questions (`datasets/qa/squad2-half`). This is where its settings were chosen (all four products,
/// α = ½: α 0.3/0.4/0.6/0.7/0.8 embedded the set at worst 0.9965/0.9970/0.9962/0.9933/0.9913, ½ at
/// 0.9969); the gate's texts and the reference sentences are the test, read once.
@Suite("int8 smoothing", .enabled(if: SharedData.isAvailable, "\(SharedData.missingReason)"))
struct Int8SmoothingTests {
    static func field(_ path: String, _ name: String, every: Int, count: Int) throws -> [String] {
        let lines = try String(contentsOfFile: SharedData.path(path), encoding: .utf8).split(separator: "\n")
        return try lines.enumerated().filter { $0.offset % every == 0 }.prefix(count).map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.element.utf8)) as? [String: Any]
            return object?[name] as? String ?? ""
        }
    }

    @Test("smoothed int8 codes embed the dev set nearer the half path than plain ones, at worst and on average")
    func devSet() throws {
        let smoothed = try MiniLMEmbedder(directory: ModelFiles.directory, documentPrecision: .int8, int8MinimumCosine: 0)
        let configuration = smoothed.encoder.configuration
        let plain = BertEncoder(configuration: configuration, weights: try BertWeights(
            SafeTensors(path: ModelFiles.directory + "/model.safetensors"), configuration, int8: true))
        let dev = try Self.field("datasets/qa/squad2-half/passages.jsonl", "text", every: 3, count: 80)
            + Self.field("datasets/qa/squad2-half/questions.jsonl", "question", every: 37, count: 80)
        let tokens = smoothed.tokens(dev)
        let half = smoothed.encoder.embed(tokens)
        func cosines(_ encoder: BertEncoder) -> [Double] {
            zip(encoder.embed(tokens, precision: .int8), half).map { MiniLMParityTests.cosine($0, $1) }
        }
        let (before, after) = (cosines(plain), cosines(smoothed.encoder))
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
        print("int8 on \(dev.count) dev texts, cosine to the half path: plain worst \(before.min()!) mean \(mean(before)); "
              + "smoothed worst \(after.min()!) mean \(mean(after))")
        #expect(dev.count > 100, "the dev set is there: \(dev.count) texts")
        #expect(after.min()! > before.min()! && mean(after) > mean(before))
    }
}
