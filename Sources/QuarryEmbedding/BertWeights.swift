/// The encoder's weights, read in place from the safetensors file (Hugging Face BERT names).
/// Linear weights are `[out, in]`, row-major, as PyTorch stores them.
struct BertWeights: @unchecked Sendable {
    struct Linear {
        let weight: UnsafeBufferPointer<Float>
        let bias: UnsafeBufferPointer<Float>
        let inputs: Int
        let outputs: Int
    }

    struct Norm {
        let gamma: UnsafeBufferPointer<Float>
        let beta: UnsafeBufferPointer<Float>
    }

    struct Layer {
        let query, key, value, attentionOutput, intermediate, output: Linear
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
        func linear(_ name: String, _ inputs: Int, _ outputs: Int) throws(SafeTensors.LoadError) -> Linear {
            Linear(
                weight: try file.floats(name + ".weight", shape: [outputs, inputs]),
                bias: try file.floats(name + ".bias", shape: [outputs]), inputs: inputs, outputs: outputs
            )
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
            layers.append(Layer(
                query: try linear(prefix + "attention.self.query", hidden, hidden),
                key: try linear(prefix + "attention.self.key", hidden, hidden),
                value: try linear(prefix + "attention.self.value", hidden, hidden),
                attentionOutput: try linear(prefix + "attention.output.dense", hidden, hidden),
                intermediate: try linear(prefix + "intermediate.dense", hidden, configuration.intermediateSize),
                output: try linear(prefix + "output.dense", configuration.intermediateSize, hidden),
                attentionNorm: try norm(prefix + "attention.output.LayerNorm"),
                outputNorm: try norm(prefix + "output.LayerNorm")
            ))
        }
        self.layers = layers
    }
}
