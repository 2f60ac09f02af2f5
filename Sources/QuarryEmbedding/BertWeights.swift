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

    init(_ file: SafeTensors, _ configuration: BertConfiguration) throws(SafeTensors.LoadError) {
        let hidden = configuration.hiddenSize
        func linear(_ names: [String], _ inputs: Int, _ outputs: Int) throws(SafeTensors.LoadError) -> PackedLinear {
            var weights: [UnsafeBufferPointer<Float>] = []
            var biases: [UnsafeBufferPointer<Float>] = []
            for name in names {
                weights.append(try file.floats(name + ".weight", shape: [outputs, inputs]))
                biases.append(try file.floats(name + ".bias", shape: [outputs]))
            }
            let packed = PackedLinear(stacking: weights, biases: biases, inputs: inputs)
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
            layers.append(Layer(
                queryKeyValue: try linear(attention, hidden, hidden),
                attentionOutput: try linear([prefix + "attention.output.dense"], hidden, hidden),
                intermediate: try linear([prefix + "intermediate.dense"], hidden, configuration.intermediateSize),
                output: try linear([prefix + "output.dense"], configuration.intermediateSize, hidden),
                attentionNorm: try norm(prefix + "attention.output.LayerNorm"),
                outputNorm: try norm(prefix + "output.LayerNorm")
            ))
        }
        self.layers = layers
    }
}

/// A dense layer `y = x · Wᵀ + b` with W packed into the kernels' panels of half-precision values
/// (64-byte aligned; `quarry_pack` says why halves).
final class PackedLinear: @unchecked Sendable {
    let inputs: Int
    let outputs: Int
    let panels: Int
    let weight: UnsafeMutableBufferPointer<UInt16>
    let bias: [Float]

    /// Stacks `[outputs, inputs]` weights (PyTorch's layout) along the outputs: one product for all.
    init(stacking weights: [UnsafeBufferPointer<Float>], biases: [UnsafeBufferPointer<Float>], inputs: Int) {
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
    }

    deinit { UnsafeMutableRawPointer(weight.baseAddress!).deallocate() }
}
