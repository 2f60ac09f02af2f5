import CMongoc
import Foundation

/// Original files in a GridFS bucket, each under a string id.
extension MongoClient.Session {
    /// Stores `data` as file `id`, replacing an earlier file of that id.
    func upload(bucket name: String, id: String, data: Data) throws {
        try bucket(name) { bucket in
            try Self.withFileId(id) { fileId in
                var error = bson_error_t()
                if !mongoc_gridfs_bucket_delete_by_id(bucket, fileId, &error), !Self.isFileNotFound(error) {
                    throw MongoError(error, operation: "replacing file \(id)")
                }
                guard let stream = mongoc_gridfs_bucket_open_upload_stream_with_id(bucket, fileId, id, nil, &error) else {
                    throw MongoError(error, operation: "storing file \(id)")
                }
                defer { mongoc_stream_destroy(stream) }
                var written = 0
                let complete = data.withUnsafeBytes { bytes -> Bool in
                    while written < bytes.count {
                        let count = mongoc_stream_write(stream, UnsafeMutableRawPointer(mutating: bytes.baseAddress! + written), bytes.count - written, 0)
                        if count <= 0 { return false }
                        written += count
                    }
                    return true
                }
                // Closing writes the last chunk and the files entry: only then is the file there.
                guard complete, mongoc_stream_close(stream) == 0 else {
                    mongoc_gridfs_bucket_stream_error(stream, &error)
                    throw MongoError(error, operation: "storing file \(id)")
                }
            }
        }
    }

    /// File `id`'s bytes, or nil when there is none.
    func download(bucket name: String, id: String) throws -> Data? {
        try bucket(name) { bucket in
            try Self.withFileId(id) { fileId in
                var error = bson_error_t()
                guard let stream = mongoc_gridfs_bucket_open_download_stream(bucket, fileId, &error) else {
                    if Self.isFileNotFound(error) { return nil }
                    throw MongoError(error, operation: "reading file \(id)")
                }
                defer { mongoc_stream_destroy(stream) }
                var data = Data()
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let count = buffer.withUnsafeMutableBytes { mongoc_stream_read(stream, $0.baseAddress, $0.count, 0, 0) }
                    if count == 0 { return data }
                    guard count > 0 else {
                        mongoc_gridfs_bucket_stream_error(stream, &error)
                        throw MongoError(error, operation: "reading file \(id)")
                    }
                    data.append(contentsOf: buffer[0..<count])
                }
            }
        }
    }

    /// The bytes of file `id` within `bytes` (fewer at its end), or nil when there is no such
    /// file: only the chunks that hold them are read, found by their number, so reading a long
    /// file a piece at a time costs each piece once (the bucket's stream can only read from the start).
    func download(bucket name: String, id: String, bytes: Range<Int>) throws -> Data? {
        struct File: Decodable {
            let chunkSize: Int
            let length: Int
        }
        struct Chunk: Decodable {
            struct Binary: Decodable {
                struct Payload: Decodable { let base64: String }
                let binary: Payload
                enum CodingKeys: String, CodingKey { case binary = "$binary" }
            }
            let n: Int
            let data: Binary
        }
        struct Numbers: Encodable {
            let from: Int
            let to: Int
            enum CodingKeys: String, CodingKey { case from = "$gte", to = "$lte" }
        }
        struct ChunksOf: Encodable {
            let files_id: String
            let n: Numbers
        }
        guard let file = try find("\(name).files", filter: ["_id": id], options: ["limit": 1]).first?.decode(File.self) else { return nil }
        let end = min(bytes.upperBound, file.length)
        guard bytes.lowerBound < end, file.chunkSize > 0 else { return Data() }
        let (first, last) = (bytes.lowerBound / file.chunkSize, (end - 1) / file.chunkSize)
        let chunks = try find("\(name).chunks", filter: ChunksOf(files_id: id, n: Numbers(from: first, to: last)), options: ["sort": ["n": 1]])
            .map { try $0.decode(Chunk.self) }
        var joined = Data()
        for (expected, chunk) in zip(first...last, chunks) {
            guard chunk.n == expected, let data = Data(base64Encoded: chunk.data.binary.base64) else {
                throw MongoError(domain: 0, code: 0, message: "file \(id) is missing chunk \(expected)")
            }
            joined.append(data)
        }
        guard chunks.count == last - first + 1 else { throw MongoError(domain: 0, code: 0, message: "file \(id) is missing chunks \(first)...\(last)") }
        let start = bytes.lowerBound - first * file.chunkSize
        return joined.subdata(in: start..<(start + end - bytes.lowerBound))
    }

    /// Removes file `id`; a missing file is no error.
    func deleteFile(bucket name: String, id: String) throws {
        try bucket(name) { bucket in
            try Self.withFileId(id) { fileId in
                var error = bson_error_t()
                if !mongoc_gridfs_bucket_delete_by_id(bucket, fileId, &error), !Self.isFileNotFound(error) {
                    throw MongoError(error, operation: "deleting file \(id)")
                }
            }
        }
    }

    private func bucket<T>(_ name: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        let database = mongoc_client_get_database(client, self.database)!
        defer { mongoc_database_destroy(database) }
        let options = try BSONDocument(["bucketName": name])
        var error = bson_error_t()
        guard let bucket = withExtendedLifetime(options, { mongoc_gridfs_bucket_new(database, options.pointer, nil, &error) }) else {
            throw MongoError(error, operation: "opening GridFS bucket \(name)")
        }
        defer { mongoc_gridfs_bucket_destroy(bucket) }
        return try body(bucket)
    }

    private static func isFileNotFound(_ error: bson_error_t) -> Bool {
        error.domain == MONGOC_ERROR_GRIDFS.rawValue && error.code == MONGOC_ERROR_GRIDFS_BUCKET_FILE_NOT_FOUND.rawValue
    }

    /// A GridFS file id: a BSON string.
    private static func withFileId<T>(_ id: String, _ body: (UnsafePointer<bson_value_t>) throws -> T) rethrows -> T {
        var bytes = Array(id.utf8CString)
        return try bytes.withUnsafeMutableBufferPointer { buffer in
            var value = bson_value_t()
            value.value_type = BSON_TYPE_UTF8
            value.value.v_utf8.str = buffer.baseAddress
            value.value.v_utf8.len = UInt32(buffer.count - 1)
            return try body(&value)
        }
    }
}
