import CKernels

/// The encoder's weights, read from the safetensors file (Hugging Face BERT names). Embeddings
/// and norms are used in place; each dense layer is packed once into the kernels' panel layout
/// (query, key and value side by side, so attention inputs come from one product).
struct BertWeights: @unchecked Sendable {
    /// Read-only views of the mapped file.
    struct Norm: @unchecked Sendable {
        let gamma: UnsafeBufferPointer<Float>
        let beta: UnsafeBufferPointer<Float>
    }

    struct Layer {
        let queryKeyValue, attentionOutput, intermediate, output: PackedLinear
        let attentionNorm, outputNorm: Norm
    }

    let wordEmbeddings: UnsafeBufferPointer<Float>
    let positionEmbeddings: UnsafeBufferPointer<Float>
    let typeEmbeddings: UnsafeBufferPointer<Float>
    let embeddingNorm: Norm
    let layers: [Layer]
    /// Keeps the mapping alive as long as the pointers above.
    let file: SafeTensors

    /// `int8`: each dense layer also kept as int8 codes, for batches encoded at that precision,
    /// smoothed by `ranges` when given (`PackedLinear.smoothing`).
    init(_ file: SafeTensors, _ configuration: BertConfiguration, int8: Bool = false,
         ranges: ActivationRanges? = nil) throws(SafeTensors.LoadError) {
        let hidden = configuration.hiddenSize
        func linear(_ names: [String], _ inputs: Int, _ outputs: Int, range: [Float]?) throws(SafeTensors.LoadError) -> PackedLinear {
            var weights: [UnsafeBufferPointer<Float>] = []
            var biases: [UnsafeBufferPointer<Float>] = []
            for name in names {
                weights.append(try file.floats(name + ".weight", shape: [outputs, inputs]))
                biases.append(try file.floats(name + ".bias", shape: [outputs]))
            }
            let packed = PackedLinear(stacking: weights, biases: biases, inputs: inputs, int8: int8, activationRange: range)
            for weight in weights { file.release(weight) }
            return packed
        }
        func norm(_ name: String) throws(SafeTensors.LoadError) -> Norm {
            Norm(gamma: try file.floats(name + ".weight", shape: [hidden]), beta: try file.floats(name + ".bias", shape: [hidden]))
        }
        self.file = file
        wordEmbeddings = try file.floats("embeddings.word_embeddings.weight", shape: [configuration.vocabularySize, hidden])
        positionEmbeddings = try file.floats("embeddings.position_embeddings.weight", shape: [configuration.maxPositions, hidden])
        typeEmbeddings = try file.floats("embeddings.token_type_embeddings.weight", shape: [configuration.typeVocabularySize, hidden])
        embeddingNorm = try norm("embeddings.LayerNorm")
        var layers: [Layer] = []
        for index in 0..<configuration.layerCount {
            let prefix = "encoder.layer.\(index)."
            let attention = ["query", "key", "value"].map { prefix + "attention.self." + $0 }
            let range = { (slot: Int) in ranges?.layers[index][slot] }
            layers.append(Layer(
                queryKeyValue: try linear(attention, hidden, hidden, range: range(0)),
                attentionOutput: try linear([prefix + "attention.output.dense"], hidden, hidden, range: range(1)),
                intermediate: try linear([prefix + "intermediate.dense"], hidden, configuration.intermediateSize, range: range(2)),
                output: try linear([prefix + "output.dense"], configuration.intermediateSize, hidden, range: range(3)),
                attentionNorm: try norm(prefix + "attention.output.LayerNorm"),
                outputNorm: try norm(prefix + "output.LayerNorm")
            ))
        }
        self.layers = layers
    }
}

/// A dense layer `y = x · Wᵀ + b` with W packed into the kernels' panels of half-precision values
/// (64-byte aligned; `quarry_pack` says why halves), and also as int8 codes when asked.
final class PackedLinear: @unchecked Sendable {
    let inputs: Int
    let outputs: Int
    let panels: Int
    let weight: UnsafeMutableBufferPointer<UInt16>
    let bias: [Float]
    let int8: Int8Panels?

    /// W quantised per output channel (`quarry_pack_int8`), smoothed when `inputScales` is set.
    struct Int8Panels {
        let codes: [Int8]
        let scales: [Float]
        let sums: [Int32]
        /// 1 / the smoothing of each input (`quarry_linear_int8`'s `input_scales`).
        let inputScales: [Float]?

        func withInputScales<Result>(_ body: (UnsafePointer<Float>?) -> Result) -> Result {
            guard let inputScales else { return body(nil) }
            return inputScales.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }

    /// SmoothQuant's factors (Xiao et al., 2023) at α = ½, its default and the best of the values
    /// tried on a dev set (Int8SmoothingTests): s_k = √(max|X_k| / max_j |W_jk|), so that input k's
    /// activations and its weights end with the same largest magnitude. The model's activations have a few channels tens of
    /// times larger than the rest, and a row quantised to bytes by its own range gives every other
    /// channel a handful of steps; smoothed, the weights' per-output scales take most of it.
    /// An input never seen active, or whose weights are all zero, keeps s = 1.
    static func smoothing(_ stacked: [Float], inputs: Int, activationRange: [Float]) -> [Float] {
        var largest = [Float](repeating: 0, count: inputs)
        for (index, value) in stacked.enumerated() { largest[index % inputs] = max(largest[index % inputs], abs(value)) }
        return (0..<inputs).map { k in
            activationRange[k] > 0 && largest[k] > 0 ? (activationRange[k] / largest[k]).squareRoot() : 1
        }
    }

    /// Stacks `[outputs, inputs]` weights (PyTorch's layout) along the outputs: one product for all.
    /// `int8`: int8 codes kept too, smoothed by `activationRange` (each input's largest magnitude
    /// seen) when given.
    init(stacking weights: [UnsafeBufferPointer<Float>], biases: [UnsafeBufferPointer<Float>], inputs: Int, int8: Bool = false,
         activationRange: [Float]? = nil) {
        var stacked: [Float] = []
        for weight in weights { stacked.append(contentsOf: weight) }
        self.inputs = inputs
        outputs = stacked.count / inputs
        panels = (outputs + Int(QUARRY_PANEL) - 1) / Int(QUARRY_PANEL)
        let count = quarry_packed_count(Int32(outputs), Int32(inputs))
        let memory = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<UInt16>.stride, alignment: 64)
        weight = UnsafeMutableBufferPointer(start: memory.bindMemory(to: UInt16.self, capacity: count), count: count)
        quarry_pack(stacked, Int32(outputs), Int32(inputs), weight.baseAddress!)
        bias = biases.flatMap { Array($0) }
        if int8 {
            var codes = [Int8](repeating: 0, count: quarry_packed_int8_count(Int32(outputs), Int32(inputs)))
            var scales = [Float](repeating: 0, count: panels * Int(QUARRY_PANEL))
            var sums = [Int32](repeating: 0, count: panels * Int(QUARRY_PANEL))
            let smoothing = activationRange.map { Self.smoothing(stacked, inputs: inputs, activationRange: $0) }
            let (rows, columns) = (Int32(outputs), Int32(inputs))
            func pack(_ smoothing: UnsafePointer<Float>?) { quarry_pack_int8(stacked, rows, columns, smoothing, &codes, &scales, &sums) }
            if let smoothing { smoothing.withUnsafeBufferPointer { pack($0.baseAddress) } } else { pack(nil) }
            self.int8 = Int8Panels(codes: codes, scales: scales, sums: sums, inputScales: smoothing?.map { 1 / $0 })
        } else {
            self.int8 = nil
        }
    }

    deinit { UnsafeMutableRawPointer(weight.baseAddress!).deallocate() }
}
