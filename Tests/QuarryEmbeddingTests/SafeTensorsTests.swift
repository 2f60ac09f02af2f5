import Foundation
import QuarryEmbedding
import QuarryTestSupport
import Testing

@Suite("safetensors reader")
struct SafeTensorsTests {
    static func file(_ bytes: Data) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("t-\(UUID().uuidString).safetensors").path
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    static func safetensors(header: String, data: Data) -> Data {
        var length = UInt64(header.utf8.count).littleEndian
        return Data(bytes: &length, count: 8) + Data(header.utf8) + data
    }

    @Test("reads a float tensor in place and checks its shape")
    func readsTensor() throws {
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        let data = values.withUnsafeBytes { Data($0) }
        let path = try Self.file(Self.safetensors(header: #"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#, data: data))
        let tensors = try SafeTensors(path: path)
        #expect(Array(try tensors.floats("w", shape: [2, 3])) == values)
        #expect(throws: SafeTensors.LoadError.wrongShape(name: "w", expected: [3, 2], found: [2, 3])) { try tensors.floats("w", shape: [3, 2]) }
        #expect(throws: SafeTensors.LoadError.missingTensor("v")) { try tensors.floats("v", shape: [1]) }
    }

    @Test("damaged files are refused with a reason", arguments: [
        Data(), Data([1, 2, 3]),
        safetensors(header: "not json", data: Data()),
        safetensors(header: #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}}"#, data: Data(count: 8)),
        Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) + Data(count: 16),
    ])
    func damaged(_ bytes: Data) throws {
        let path = try Self.file(bytes)
        #expect(throws: SafeTensors.LoadError.self) { try SafeTensors(path: path) }
    }

    @Test("the model's weights load with every tensor the encoder needs")
    func model() throws {
        let embedder = try MiniLMEmbedder(directory: ModelFiles.directory)
        #expect(embedder.dimensions == 384)
        #expect(embedder.encoder.configuration.layerCount == 6)
    }

    @Test("a missing file says which")
    func missing() {
        #expect(throws: SafeTensors.LoadError.self) { try SafeTensors(path: "/nonexistent/model.safetensors") }
    }
}
