import CHiredis
import Foundation
import QuarryCore
import Synchronization

/// A reply from Redis.
enum RedisValue: Sendable, Equatable {
    case string(Data)
    case integer(Int)
    case array([RedisValue])
    case null
    case status(String)

    var data: Data? { if case .string(let data) = self { data } else { nil } }
    var int: Int? { if case .integer(let value) = self { value } else { nil } }
    var array: [RedisValue] { if case .array(let values) = self { values } else { [] } }
}

/// Redis answered a command with an error (`ERR …`, `NOSCRIPT …`): the command is at fault, not
/// the connection.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { "redis: \(message)" }
}

/// Where a Redis server is: `redis://[:password@]host[:port][/db]`.
public struct RedisEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int

    public init(host: String, port: Int = 6379, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
    }

    public init?(url: String) {
        guard let components = URLComponents(string: url), components.scheme == "redis", let host = components.host, !host.isEmpty else {
            return nil
        }
        self.host = host
        port = components.port ?? 6379
        password = components.password.flatMap { $0.removingPercentEncoding ?? $0 }
        let path = components.path.drop { $0 == "/" }
        guard let database = path.isEmpty ? 0 : Int(path), database >= 0 else { return nil }
        self.database = database
    }
}

/// A few hiredis connections shared by every task; each command runs on a dispatch thread
/// (hiredis blocks). A connection that fails is dropped and a new one made on the next command,
/// so the client reconnects by itself once Redis is back; until then commands throw
/// ``BackendUnavailable``.
public final class RedisClient: Sendable {
    public let endpoint: RedisEndpoint
    let timeout: Duration
    private let idle = Mutex<[Connection]>([])

    public init(endpoint: RedisEndpoint, timeout: Duration = .seconds(5)) {
        self.endpoint = endpoint
        self.timeout = timeout
    }

    deinit {
        for connection in idle.withLock({ $0 }) { redisFree(connection.context) }
    }

    /// Runs `arguments` as one command and returns its reply.
    func command(_ arguments: [String], waiting: Bool = false) async throws -> RedisValue {
        try await command(arguments.map { Data($0.utf8) }, waiting: waiting)
    }

    /// Quick commands run on dispatch's shared threads. A `waiting` one (BLPOP) gets a thread of
    /// its own: dispatch runs as many shared threads as there are cores, and a few commands
    /// blocked for half a second there held up every other command of the process.
    func command(_ arguments: [Data], waiting: Bool = false) async throws -> RedisValue {
        try await withCheckedThrowingContinuation { continuation in
            let work: @Sendable () -> Void = { [self] in continuation.resume(with: Result { try perform(arguments) }) }
            if waiting { Thread(block: work).start() } else { DispatchQueue.global().async(execute: work) }
        }
    }

    private func perform(_ arguments: [Data]) throws -> RedisValue {
        let connection = try idle.withLock { $0.popLast() } ?? connect()
        do {
            let value = try connection.run(arguments)
            idle.withLock { $0.append(connection) }
            return value
        } catch let error as RedisError {
            idle.withLock { $0.append(connection) }  // a refused command leaves the connection usable
            throw error
        } catch {
            redisFree(connection.context)
            throw error
        }
    }

    private func connect() throws -> Connection {
        let seconds = timeout.components.seconds
        let limit = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), limit) else {
            throw BackendUnavailable(backend: "redis", reason: "cannot allocate a connection")
        }
        let connection = Connection(context: context, endpoint: endpoint)
        if context.pointee.err != 0 {
            let reason = connection.errorText
            redisFree(context)
            throw BackendUnavailable(backend: "redis", reason: "\(endpoint.host):\(endpoint.port) is unreachable: \(reason)")
        }
        redisSetTimeout(context, limit)
        do {
            if let password = endpoint.password { _ = try connection.run(["AUTH", password].map { Data($0.utf8) }) }
            if endpoint.database != 0 { _ = try connection.run(["SELECT", String(endpoint.database)].map { Data($0.utf8) }) }
        } catch {
            redisFree(context)
            throw error
        }
        return connection
    }

    /// One hiredis context; used by one thread at a time (it is taken out of the pool meanwhile).
    struct Connection: @unchecked Sendable {
        let context: UnsafeMutablePointer<redisContext>
        let endpoint: RedisEndpoint

        var errorText: String {
            withUnsafeBytes(of: context.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }

        func run(_ arguments: [Data]) throws -> RedisValue {
            // hiredis takes C arrays of pointers and lengths: copies that live through the call.
            let copies = arguments.map { data in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 1)
                buffer.copyBytes(from: data)
                return buffer
            }
            defer { copies.forEach { $0.deallocate() } }
            var pointers = copies.map { UnsafePointer<CChar>?($0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            let raw = pointers.withUnsafeMutableBufferPointer { argv in
                arguments.map(\.count).withUnsafeBufferPointer { redisCommandArgv(context, Int32(arguments.count), argv.baseAddress, $0.baseAddress) }
            }
            guard let raw else {
                throw BackendUnavailable(backend: "redis", reason: "\(endpoint.host):\(endpoint.port): \(errorText)")
            }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            defer { freeReplyObject(raw) }
            return try Self.value(reply)
        }

        static func value(_ reply: UnsafeMutablePointer<redisReply>) throws -> RedisValue {
            let item = reply.pointee
            switch item.type {
            case REDIS_REPLY_STRING: return .string(Data(bytes: item.str, count: item.len))
            case REDIS_REPLY_INTEGER: return .integer(Int(item.integer))
            case REDIS_REPLY_NIL: return .null
            case REDIS_REPLY_STATUS: return .status(String(cString: item.str))
            case REDIS_REPLY_ERROR:
                let message = String(cString: item.str)
                // Up but unable to serve yet (loading its data after a restart, a script running
                // long, no master): like a refused connection, worth trying again later.
                if ["LOADING", "BUSY", "MASTERDOWN"].contains(where: { message.hasPrefix($0) }) {
                    throw BackendUnavailable(backend: "redis", reason: message)
                }
                throw RedisError(message: message)
            case REDIS_REPLY_ARRAY:
                return .array(try (0..<item.elements).map { try value(item.element[$0]!) })
            default: return .null
            }
        }
    }
}
