import COpenBLAS
import Foundation

/// A BERT encoder with mean pooling and L2 normalisation: sentence-transformers' recipe for
/// all-MiniLM-L6-v2. Matrix products go through CBLAS (OpenBLAS).
///
/// A batch is packed, not padded: the token rows of all its inputs are stacked into one matrix, so
/// every dense layer is one large product with no work spent on padding; attention then runs per
/// input and head on that input's rows alone, so no mask is needed.
public struct BertEncoder: Sendable {
    public let configuration: BertConfiguration
    let weights: BertWeights

    init(configuration: BertConfiguration, weights: BertWeights) {
        self.configuration = configuration
        self.weights = weights
    }

    /// Unit-length sentence embeddings for token-id sequences ([CLS] … [SEP], at most `maxPositions` long).
    public func embed(_ inputs: [[Int32]]) -> [[Float]] {
        let inputs = inputs.map { Array($0.prefix(configuration.maxPositions)) }
        let hidden = configuration.hiddenSize
        let rows = inputs.reduce(0) { $0 + $1.count }
        guard rows > 0 else { return inputs.map { _ in [Float](repeating: 0, count: hidden) } }
        var offsets: [Int] = []
        var offset = 0
        for input in inputs {
            offsets.append(offset)
            offset += input.count
        }

        var states = embeddings(inputs, rows: rows)
        var scratch = Scratch(rows: rows, configuration: configuration)
        for layer in weights.layers {
            encode(&states, layer: layer, inputs: inputs, offsets: offsets, scratch: &scratch)
        }
        return inputs.indices.map { pool(states, from: offsets[$0], count: inputs[$0].count) }
    }

    /// Buffers reused across layers.
    struct Scratch {
        var query, key, value, context, attention: [Float]
        var intermediate: [Float]
        var scores: [Float]

        init(rows: Int, configuration: BertConfiguration) {
            let hidden = configuration.hiddenSize
            query = [Float](repeating: 0, count: rows * hidden)
            key = query
            value = query
            context = query
            attention = query
            intermediate = [Float](repeating: 0, count: rows * configuration.intermediateSize)
            scores = []
        }
    }

    /// Word + position + token-type embeddings, layer-normalised.
    func embeddings(_ inputs: [[Int32]], rows: Int) -> [Float] {
        let hidden = configuration.hiddenSize
        var states = [Float](repeating: 0, count: rows * hidden)
        var row = 0
        for input in inputs {
            for (position, id) in input.enumerated() {
                let token = Int(id) < configuration.vocabularySize && id >= 0 ? Int(id) : 0
                for column in 0..<hidden {
                    states[row * hidden + column] = weights.wordEmbeddings[token * hidden + column]
                        + weights.positionEmbeddings[position * hidden + column] + weights.typeEmbeddings[column]
                }
                row += 1
            }
        }
        layerNorm(&states, rows: rows, weights.embeddingNorm)
        return states
    }

    func encode(_ states: inout [Float], layer: BertWeights.Layer, inputs: [[Int32]], offsets: [Int], scratch: inout Scratch) {
        let rows = states.count / configuration.hiddenSize
        let hidden = configuration.hiddenSize
        let headSize = configuration.headSize
        linear(states, rows: rows, layer.query, into: &scratch.query)
        linear(states, rows: rows, layer.key, into: &scratch.key)
        linear(states, rows: rows, layer.value, into: &scratch.value)

        let scale = 1 / Float(headSize).squareRoot()
        for (index, input) in inputs.enumerated() {
            let length = input.count
            if scratch.scores.count < length * length { scratch.scores = [Float](repeating: 0, count: length * length) }
            let base = offsets[index] * hidden
            for head in 0..<configuration.headCount {
                let column = head * headSize
                scratch.query.withUnsafeBufferPointer { query in
                    scratch.key.withUnsafeBufferPointer { key in
                        scratch.scores.withUnsafeMutableBufferPointer { scores in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(headSize), scale,
                                        query.baseAddress! + base + column, Int32(hidden), key.baseAddress! + base + column, Int32(hidden),
                                        0, scores.baseAddress!, Int32(length))
                        }
                    }
                }
                softmaxRows(&scratch.scores, rows: length, columns: length)
                scratch.scores.withUnsafeBufferPointer { scores in
                    scratch.value.withUnsafeBufferPointer { value in
                        scratch.context.withUnsafeMutableBufferPointer { context in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(headSize), Int32(length), 1,
                                        scores.baseAddress!, Int32(length), value.baseAddress! + base + column, Int32(hidden),
                                        0, context.baseAddress! + base + column, Int32(hidden))
                        }
                    }
                }
            }
        }
        linear(scratch.context, rows: rows, layer.attentionOutput, into: &scratch.attention)
        addInPlace(&states, scratch.attention)
        layerNorm(&states, rows: rows, layer.attentionNorm)

        linear(states, rows: rows, layer.intermediate, into: &scratch.intermediate)
        gelu(&scratch.intermediate)
        linear(scratch.intermediate, rows: rows, layer.output, into: &scratch.attention)
        addInPlace(&states, scratch.attention)
        layerNorm(&states, rows: rows, layer.outputNorm)
    }

    /// `output = input · weightᵀ + bias` for `rows` rows.
    func linear(_ input: [Float], rows: Int, _ layer: BertWeights.Linear, into output: inout [Float]) {
        let count = rows * layer.outputs
        if output.count != count { output = [Float](repeating: 0, count: count) }
        output.withUnsafeMutableBufferPointer { out in
            for row in 0..<rows {
                (out.baseAddress! + row * layer.outputs).update(from: layer.bias.baseAddress!, count: layer.outputs)
            }
            input.withUnsafeBufferPointer { input in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(layer.outputs), Int32(layer.inputs), 1,
                            input.baseAddress!, Int32(layer.inputs), layer.weight.baseAddress!, Int32(layer.inputs),
                            1, out.baseAddress!, Int32(layer.outputs))
            }
        }
    }

    func layerNorm(_ states: inout [Float], rows: Int, _ norm: BertWeights.Norm) {
        let hidden = configuration.hiddenSize
        let epsilon = configuration.layerNormEpsilon
        states.withUnsafeMutableBufferPointer { values in
            for row in 0..<rows {
                let start = row * hidden
                var mean: Float = 0
                for column in 0..<hidden { mean += values[start + column] }
                mean /= Float(hidden)
                var variance: Float = 0
                for column in 0..<hidden {
                    let centred = values[start + column] - mean
                    variance += centred * centred
                }
                variance /= Float(hidden)
                let inverse = 1 / (variance + epsilon).squareRoot()
                for column in 0..<hidden {
                    values[start + column] = (values[start + column] - mean) * inverse * norm.gamma[column] + norm.beta[column]
                }
            }
        }
    }

    func softmaxRows(_ values: inout [Float], rows: Int, columns: Int) {
        values.withUnsafeMutableBufferPointer { values in
            for row in 0..<rows {
                let start = row * columns
                var maximum = -Float.infinity
                for column in 0..<columns { maximum = max(maximum, values[start + column]) }
                var sum: Float = 0
                for column in 0..<columns {
                    let exponential = expf(values[start + column] - maximum)
                    values[start + column] = exponential
                    sum += exponential
                }
                let inverse = 1 / sum
                for column in 0..<columns { values[start + column] *= inverse }
            }
        }
    }

    /// GELU with the exact error function, as BERT's "gelu" is.
    func gelu(_ values: inout [Float]) {
        let inverseSquareRootTwo: Float = 0.70710678118654752
        values.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                let x = values[index]
                values[index] = 0.5 * x * (1 + erff(x * inverseSquareRootTwo))
            }
        }
    }

    func addInPlace(_ states: inout [Float], _ other: [Float]) {
        states.withUnsafeMutableBufferPointer { states in
            other.withUnsafeBufferPointer { other in
                for index in states.indices { states[index] += other[index] }
            }
        }
    }

    /// Mean over the input's token rows, then scaled to unit length.
    func pool(_ states: [Float], from offset: Int, count: Int) -> [Float] {
        let hidden = configuration.hiddenSize
        var pooled = [Float](repeating: 0, count: hidden)
        for row in offset..<(offset + count) {
            for column in 0..<hidden { pooled[column] += states[row * hidden + column] }
        }
        var norm: Float = 0
        for column in 0..<hidden {
            pooled[column] /= Float(count)
            norm += pooled[column] * pooled[column]
        }
        let scale = norm > 0 ? 1 / norm.squareRoot() : 0
        return pooled.map { $0 * scale }
    }
}
