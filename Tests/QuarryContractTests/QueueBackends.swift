import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryRedis
import QuarryTestSupport
import Synchronization
import Testing

/// The implementations of ``JobQueue`` the contract runs against.
enum QueueBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case embedded, redis

    var testDescription: String { rawValue }

    /// Two workers' views of one fresh queue, on a clock the test moves, and a way to open it anew.
    func makeQueues(clock: TestClock, backoff: Backoff = Backoff()) throws -> QueuesUnderTest {
        switch self {
        case .embedded:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString).sqlite").path
            let open = { try SQLiteJobQueue(database: SQLiteDatabase(path: path), backoff: backoff, now: { Double(clock.milliseconds) / 1000 }) }
            let queue = try open()
            return QueuesUnderTest(first: queue, second: queue) { try open() }
        case .redis:
            let server = try SharedRedis.server.get()
            let namespace = "test-\(UUID().uuidString.prefix(8))"
            let open = { RedisJobQueue(client: RedisClient(endpoint: RedisEndpoint(url: server.url)!), namespace: namespace, backoff: backoff, now: { clock.milliseconds }) }
            return QueuesUnderTest(first: open(), second: open()) { open() }
        }
    }
}

struct QueuesUnderTest {
    /// One worker.
    let first: any JobQueue
    /// Another worker on the same queue (the same object for the embedded queue, which has no
    /// notion of workers).
    let second: any JobQueue
    let reopen: () throws -> any JobQueue
}

/// A clock in milliseconds that the test moves by hand.
final class TestClock: Sendable {
    private let time = Mutex<Int64>(1_800_000_000_000)
    func advance(_ seconds: Double) { time.withLock { $0 += Int64(seconds * 1000) } }
    var milliseconds: Int64 { time.withLock { $0 } }
}

/// One Redis for the queue tests, each test in a namespace of its own.
enum SharedRedis {
    static let server: Result<RedisTestServer, any Error> = {
        let result = Result { try RedisTestServer() }
        atexit { if case .success(let server) = SharedRedis.server { server.stop() } }
        return result
    }()
}
