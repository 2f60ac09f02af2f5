import Foundation

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the data. Tensors are read in place,
/// never copied; the header is validated before anything is read.
public final class SafeTensors: @unchecked Sendable {
    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case badHeader(String)
        case missingTensor(String)
        case wrongShape(name: String, expected: [Int], found: [Int])
        case wrongType(name: String, found: String)

        public var description: String {
            switch self {
            case .unreadable(let reason): "cannot read the weights: \(reason)"
            case .badHeader(let reason): "the weights file is damaged: \(reason)"
            case .missingTensor(let name): "the weights have no tensor \(name)"
            case .wrongShape(let name, let expected, let found): "tensor \(name) has shape \(found), expected \(expected)"
            case .wrongType(let name, let found): "tensor \(name) is \(found), expected F32"
            }
        }
    }

    struct Tensor {
        let dtype: String
        let shape: [Int]
        let range: Range<Int>
    }

    private let base: UnsafeMutableRawPointer
    private let length: Int
    private let dataStart: Int
    private let tensors: [String: Tensor]
    /// Aligned copies of tensors whose bytes in the file are not float-aligned, freed with the mapping.
    private var copies: [UnsafeMutableBufferPointer<Float>] = []
    private let copiesLock = NSLock()

    public init(path: String) throws(LoadError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .unreadable("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable("\(path): \(String(cString: strerror(errno)))") }
        let length = Int(info.st_size)
        guard length >= 8 else { throw .badHeader("\(path) is \(length) bytes long") }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw .unreadable("\(path): mmap failed: \(String(cString: strerror(errno)))")
        }
        do {
            let headerLength = Int(UInt64(littleEndian: mapped.loadUnaligned(as: UInt64.self)))
            guard headerLength > 1, headerLength <= length - 8, headerLength < 100_000_000 else {
                throw LoadError.badHeader("header length \(headerLength) does not fit a \(length)-byte file")
            }
            let header = Data(bytes: mapped + 8, count: headerLength)
            tensors = try Self.parseHeader(header, dataLength: length - 8 - headerLength)
            dataStart = 8 + headerLength
        } catch {
            munmap(mapped, length)
            throw error as! LoadError
        }
        base = mapped
        self.length = length
    }

    deinit {
        munmap(base, length)
        for copy in copies { copy.deallocate() }
    }

    static func parseHeader(_ header: Data, dataLength: Int) throws(LoadError) -> [String: Tensor] {
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw .badHeader("the header is not a JSON object")
        }
        var tensors: [String: Tensor] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength, shape.allSatisfy({ $0 >= 0 })
            else { throw .badHeader("tensor \(name) has an invalid entry") }
            tensors[name] = Tensor(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        return tensors
    }

    /// The float32 tensor `name`, which must have exactly `shape`.
    public func floats(_ name: String, shape: [Int]) throws(LoadError) -> UnsafeBufferPointer<Float> {
        guard let tensor = tensors[name] else { throw .missingTensor(name) }
        guard tensor.dtype == "F32" else { throw .wrongType(name: name, found: tensor.dtype) }
        guard tensor.shape == shape, tensor.range.count == shape.reduce(1, *) * MemoryLayout<Float>.size else {
            throw .wrongShape(name: name, expected: shape, found: tensor.shape)
        }
        let start = base + dataStart + tensor.range.lowerBound
        let count = shape.reduce(1, *)
        if Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
            return UnsafeBufferPointer(start: start.assumingMemoryBound(to: Float.self), count: count)
        }
        // Writers pad the header so tensors are aligned; a file that does not is copied.
        let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        UnsafeMutableRawBufferPointer(copy).copyMemory(from: UnsafeRawBufferPointer(start: start, count: tensor.range.count))
        copiesLock.withLock { copies.append(copy) }
        return UnsafeBufferPointer(copy)
    }

    /// Gives the pages wholly inside `tensor` back to the kernel, for a tensor that has been copied
    /// elsewhere and will not be read again here (they would be read back from the file if it were).
    public func release(_ tensor: UnsafeBufferPointer<Float>) {
        guard let start = tensor.baseAddress.map(UnsafeRawPointer.init) else { return }
        let mapping = UnsafeRawPointer(base)..<(UnsafeRawPointer(base) + length)
        guard mapping.contains(start) else { return }  // a copy, not the mapping
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: start) + page - 1) / page * page
        let end = (Int(bitPattern: start) + tensor.count * MemoryLayout<Float>.stride) / page * page
        guard end > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        madvise(pointer, end - first, MADV_DONTNEED)
    }
}
