import CKernels

/// A BERT encoder with mean pooling and L2 normalisation: sentence-transformers' recipe for
/// all-MiniLM-L6-v2, on Quarry's own kernels (CKernels: AVX-512 or AVX2 chosen at run time).
///
/// A batch is packed, not padded: the token rows of all its inputs are stacked into one matrix, so
/// every dense layer is one product with no work spent on padding; attention then runs per input
/// and head on that input's rows alone, so no mask is needed. Each step is split over `threads`
/// workers — by rows for large batches, by output columns for short queries, whose cost is
/// reading the weights.
///
/// A batch encoded in the background (an ingest batch: seconds of work) gives way to questions:
/// its steps are cut into runs of a few milliseconds (192 rows of a product, a few heads of
/// attention), each started only when no question's step runs (`WorkerPool.run(background:)`),
/// so a question waits for one such run at most rather than for the whole batch.
public struct BertEncoder: Sendable {
    public let configuration: BertConfiguration
    let weights: BertWeights
    let pool: WorkerPool
    /// Workers per step; one runs on the calling thread.
    public var threads: Int { pool.workers }

    /// `threads`: nil for the process's shared pool (one worker per CPU it may use).
    init(configuration: BertConfiguration, weights: BertWeights, threads: Int? = nil) {
        self.configuration = configuration
        self.weights = weights
        pool = threads.map { $0 == WorkerPool.shared.workers ? .shared : WorkerPool(workers: $0) } ?? .shared
    }

    /// Rows each worker needs before a step is split by rows (a row block of the kernels); fewer
    /// rows are split by output columns, or not at all.
    static let splitRows = 96

    /// The CPU level whose kernels run: "avx512", "avx2" or "portable" (QUARRY_KERNELS caps it).
    public static var kernelLevel: String { String(cString: quarry_kernel_level()) }

    /// Attention pairs (an input's head) per background run: a 256-token pair is about 8 MFLOP.
    static let backgroundPairsPerWorker = 4

    /// The dense layers' arithmetic: `half` weights widened to floats, or `int8` weights and
    /// activations summed exactly in integers (only when the weights were loaded with int8 codes).
    public enum Precision: String, Sendable, CaseIterable {
        case half, int8
    }

    /// Whether `embed(_:precision:)` can take `.int8`.
    public var hasInt8: Bool { weights.layers.first?.queryKeyValue.int8 != nil }

    /// Unit-length sentence embeddings for token-id sequences ([CLS] … [SEP], at most `maxPositions` long).
    /// `background`: a batch that gives way to questions (see the type's note). `.int8` needs
    /// weights loaded with int8 codes (`hasInt8`); without them the half path runs.
    public func embed(_ inputs: [[Int32]], background: Bool = false, precision: Precision = .half) -> [[Float]] {
        run(inputs, background: background, int8: precision == .int8 && hasInt8, recorder: nil)
    }

    /// Each dense product's inputs' largest magnitudes over `inputs` on the half path: what the
    /// int8 codes are smoothed by.
    func activationRanges(_ inputs: [[Int32]]) -> ActivationRanges {
        let recorder = ActivationRecorder()
        _ = run(inputs, background: false, int8: false, recorder: recorder)
        return ActivationRanges(products: recorder.products)
    }

    func run(_ inputs: [[Int32]], background: Bool, int8: Bool, recorder: ActivationRecorder?) -> [[Float]] {
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
        let workspace = Workspace(rows: rows, longest: inputs.map(\.count).max() ?? 0, threads: threads, configuration: configuration)
        embeddings(inputs, into: workspace)
        for layer in weights.layers {
            encode(layer, inputs: inputs, offsets: offsets, workspace, background: background, int8: int8, recorder: recorder)
        }
        return inputs.indices.map { pool(workspace.states, from: offsets[$0], count: inputs[$0].count) }
    }

    /// Word + position + token-type embeddings, layer-normalised.
    func embeddings(_ inputs: [[Int32]], into workspace: Workspace) {
        let hidden = configuration.hiddenSize
        var row = 0
        for input in inputs {
            for (position, id) in input.enumerated() {
                let token = Int(id) < configuration.vocabularySize && id >= 0 ? Int(id) : 0
                let state = workspace.states + row * hidden
                for column in 0..<hidden {
                    state[column] = weights.wordEmbeddings[token * hidden + column]
                        + weights.positionEmbeddings[position * hidden + column] + weights.typeEmbeddings[column]
                }
                row += 1
            }
        }
        normalise(workspace.states, adding: nil, rows: workspace.rows, weights.embeddingNorm, background: false)
    }

    func encode(_ layer: BertWeights.Layer, inputs: [[Int32]], offsets: [Int], _ workspace: Workspace, background: Bool, int8: Bool,
                recorder: ActivationRecorder?) {
        let rows = workspace.rows
        let hidden = configuration.hiddenSize
        linear(workspace.states, rows: rows, layer.queryKeyValue, into: workspace.queryKeyValue, workspace, background: background, int8: int8, recorder: recorder)

        let heads = configuration.headCount
        let pairs = inputs.count * heads
        // A question's pairs in one run; a background batch's a few per worker a run.
        let pairsPerRun = background ? threads * Self.backgroundPairsPerWorker : pairs
        for first in stride(from: 0, to: pairs, by: pairsPerRun) {
            let last = min(pairs, first + pairsPerRun)
            parallel(background: background) { worker in
                let scratch = workspace.attentionScratch(worker)
                for pair in stride(from: first + worker, to: last, by: threads) {
                    let (index, head) = pair.quotientAndRemainder(dividingBy: heads)
                    let start = offsets[index]
                    quarry_attention(workspace.queryKeyValue + start * 3 * hidden, Int32(inputs[index].count), Int32(hidden),
                                     Int32(head), Int32(configuration.headSize), workspace.context + start * hidden, scratch)
                }
            }
        }

        linear(workspace.context, rows: rows, layer.attentionOutput, into: workspace.delta, workspace, background: background, int8: int8, recorder: recorder)
        normalise(workspace.states, adding: workspace.delta, rows: rows, layer.attentionNorm, background: background)
        linear(workspace.states, rows: rows, layer.intermediate, gelu: true, into: workspace.intermediate, workspace, background: background, int8: int8, recorder: recorder)
        linear(workspace.intermediate, rows: rows, layer.output, into: workspace.delta, workspace, background: background, int8: int8, recorder: recorder)
        normalise(workspace.states, adding: workspace.delta, rows: rows, layer.outputNorm, background: background)
    }

    /// `output = input · Wᵀ + b` (then GELU), split by rows when there are enough to fill every
    /// worker's row blocks, otherwise by column panels. In the background, one run per slab of
    /// `threads · splitRows` rows.
    func linear(_ input: UnsafeMutablePointer<Float>, rows: Int, _ layer: PackedLinear, gelu: Bool = false,
                into output: UnsafeMutablePointer<Float>, _ workspace: Workspace, background: Bool, int8: Bool,
                recorder: ActivationRecorder? = nil) {
        recorder?.record(input, rows: rows, inputs: layer.inputs)
        let byRows = rows >= threads * Self.splitRows
        let slab = byRows && background ? threads * Self.splitRows : rows
        for slabStart in stride(from: 0, to: rows, by: slab) {
            let slabRows = min(slab, rows - slabStart)
            // Workers write disjoint rows or columns of `output`.
            parallel(background: background) { worker in
                let rowRange = byRows ? share(of: slabRows, worker: worker, multiple: 12).shifted(by: slabStart) : 0..<rows
                let panelRange = byRows ? 0..<layer.panels : share(of: layer.panels, worker: worker, multiple: 1)
                guard !rowRange.isEmpty, !panelRange.isEmpty else { return }
                let (rowBegin, rowEnd) = (Int32(rowRange.lowerBound), Int32(rowRange.upperBound))
                let (panelBegin, panelEnd) = (Int32(panelRange.lowerBound), Int32(panelRange.upperBound))
                if int8, let codes = layer.int8 {
                    codes.withInputScales { inputScales in
                        quarry_linear_int8(input, Int32(layer.inputs), rowBegin, rowEnd, inputScales, codes.codes, codes.scales, codes.sums,
                                           layer.bias, Int32(layer.inputs), Int32(layer.outputs), panelBegin, panelEnd, gelu ? 1 : 0,
                                           output, Int32(layer.outputs), workspace.linearScratch(worker))
                    }
                } else {
                    quarry_linear(input, Int32(layer.inputs), rowBegin, rowEnd, layer.weight.baseAddress!, layer.bias, Int32(layer.inputs),
                                  Int32(layer.outputs), panelBegin, panelEnd, gelu ? 1 : 0, output, Int32(layer.outputs),
                                  workspace.linearScratch(worker))
                }
            }
        }
    }

    /// `states = LayerNorm(states + delta)` row by row.
    func normalise(_ states: UnsafeMutablePointer<Float>, adding delta: UnsafeMutablePointer<Float>?, rows: Int, _ norm: BertWeights.Norm,
                   background: Bool) {
        // Workers normalise disjoint rows; a short query is not worth waking them.
        let workers = rows >= threads * Self.splitRows ? threads : 1
        parallel(workers, background: background) { worker in
            let range = share(of: rows, worker: worker, workers: workers, multiple: 1)
            guard !range.isEmpty else { return }
            quarry_add_layer_norm(states, delta, Int32(range.lowerBound), Int32(range.upperBound), Int32(configuration.hiddenSize),
                                  norm.gamma.baseAddress!, norm.beta.baseAddress!, configuration.layerNormEpsilon)
        }
    }

    /// Worker `worker`'s contiguous share of `count` items (of `workers`), in whole multiples of `multiple`.
    func share(of count: Int, worker: Int, workers: Int? = nil, multiple: Int) -> Range<Int> {
        let workers = workers ?? threads
        let units = (count + multiple - 1) / multiple
        let lower = min(count, units * worker / workers * multiple)
        let upper = min(count, units * (worker + 1) / workers * multiple)
        return lower..<upper
    }

    /// Runs `body(worker)` for each of `workers` workers (all by default), the first on the calling thread.
    func parallel(_ workers: Int? = nil, background: Bool = false, _ body: (Int) -> Void) {
        let workers = workers ?? threads
        if workers == 1 && !background {
            body(0)
        } else {
            pool.run(background: background) { worker in if worker < workers { body(worker) } }
        }
    }

    /// Mean over the input's token rows, then scaled to unit length.
    func pool(_ states: UnsafeMutablePointer<Float>, from offset: Int, count: Int) -> [Float] {
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

/// The activations of one batch and each worker's scratch, allocated once per batch. Shared by
/// the workers of each step, which write disjoint parts of it.
final class Workspace: @unchecked Sendable {
    let rows: Int
    let states, queryKeyValue, context, delta, intermediate: UnsafeMutablePointer<Float>
    private let linearScratchCount, attentionScratchCount: Int
    private let scratch: UnsafeMutablePointer<Float>
    private var allocations: [UnsafeMutablePointer<Float>] = []

    init(rows: Int, longest: Int, threads: Int, configuration: BertConfiguration) {
        let hidden = configuration.hiddenSize
        self.rows = rows
        // Floats enough for either product's scratch.
        let widest = Int32(max(hidden, configuration.intermediateSize))
        linearScratchCount = max(quarry_linear_scratch_count(widest), (quarry_linear_int8_scratch_bytes(widest) + 3) / 4)
        attentionScratchCount = quarry_attention_scratch_count(Int32(longest), Int32(configuration.headSize))
        var allocations: [UnsafeMutablePointer<Float>] = []
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
                .bindMemory(to: Float.self, capacity: count)
            allocations.append(pointer)
            return pointer
        }
        states = allocate(rows * hidden)
        queryKeyValue = allocate(rows * 3 * hidden)
        context = allocate(rows * hidden)
        delta = allocate(rows * hidden)
        intermediate = allocate(rows * configuration.intermediateSize)
        scratch = allocate(threads * (linearScratchCount + attentionScratchCount))
        self.allocations = allocations
    }

    func linearScratch(_ worker: Int) -> UnsafeMutablePointer<Float> {
        scratch + worker * (linearScratchCount + attentionScratchCount)
    }

    func attentionScratch(_ worker: Int) -> UnsafeMutablePointer<Float> {
        linearScratch(worker) + linearScratchCount
    }

    deinit {
        for pointer in allocations { UnsafeMutableRawPointer(pointer).deallocate() }
    }
}

extension Range<Int> {
    func shifted(by offset: Int) -> Range<Int> { (lowerBound + offset)..<(upperBound + offset) }
}
