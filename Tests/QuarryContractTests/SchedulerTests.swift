import Foundation
import QuarryCore
import QuarryEmbedded
import QuarryMongo
import QuarryRedis
import QuarryTestSupport
import QuarryWorkflow
import Synchronization
import Testing

/// The scheduler against each deployment's back ends: SQLite for workflows, runs, queue and lease
/// (`quarry serve` on one machine), and MongoDB (SecantusDB) with Redis (`quarry scheduler`
/// replicas). Scheduling time is a clock the test sets; leases run on the back ends' own clocks.
@Suite("scheduler")
struct SchedulerTests {
    enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case embedded, production
        var testDescription: String { rawValue }

        /// One deployment's back ends; each call of `open` is another process's view of them.
        func deployment() throws -> Deployment {
            switch self {
            case .embedded:
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scheduler-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                let path = directory.path + "/quarry.sqlite"
                return Deployment {
                    let database = try SQLiteDatabase(path: path)
                    return (try SQLiteDocumentStore(database: database, files: directory.appendingPathComponent("files")),
                            try SQLiteJobQueue(database: database), try SQLiteLeaderLease(database: database))
                }
            case .production:
                let uri = try SharedMongo.server.get().uri(database: "test_\(UUID().uuidString.prefix(8))")
                let redis = try SharedRedis.server.get().url
                let namespace = "test-\(UUID().uuidString.prefix(8))"
                return Deployment {
                    let client = RedisClient(endpoint: RedisEndpoint(url: redis)!)
                    return (MongoDocumentStore(client: try MongoClient(uri: uri)), RedisJobQueue(client: client, namespace: namespace),
                            RedisLeaderLease(client: client, namespace: namespace))
                }
            }
        }
    }

    struct Deployment {
        let open: () throws -> (any WorkflowStore & RunStore, any JobQueue, any LeaderLease)

        func scheduler(_ holder: String, clock: SettableClock) throws -> Scheduler {
            let (store, queue, lease) = try open()
            // An hour's lease: a loaded test run must not see one lapse between two passes.
            return Scheduler(workflows: store, runs: store, queue: queue, lease: lease, holder: holder, leaseDuration: .seconds(3600),
                             now: { clock.now })
        }

        /// The `run_start` messages waiting on `default`, taken off it.
        func takeRunStarts() async throws -> [RunStartPayload] {
            let queue = try open().1
            var payloads: [RunStartPayload] = []
            while let job = try await queue.dequeue(queue: WorkflowEngine.runStartQueue, lease: .seconds(30)) {
                #expect(job.name == WorkflowEngine.runStartActor)
                payloads.append(try JSONDecoder().decode(RunStartPayload.self, from: job.payload))
                try await queue.complete(job)
            }
            return payloads
        }
    }

    /// "10:05:00" or "10:05:00.400" on 27 November 2026, UTC.
    static func at(_ time: String) -> Date {
        let formatter = ISO8601DateFormatter()
        if time.contains(".") { formatter.formatOptions.insert(.withFractionalSeconds) }
        return formatter.date(from: "2026-11-27T\(time)Z")!
    }

    static func workflow(_ id: String, tenant: String = "acme", schedule: String?, savedAt: String, version: Int = 1) -> Workflow {
        Workflow(id: id, tenant: tenant, name: id, nodes: [.init(id: "only", type: "noop")], edges: [], schedule: schedule, version: version,
                 createdAt: at(savedAt), updatedAt: at(savedAt))
    }

    @Test("each tick is emitted once, as a queued run and its run_start on default; of two schedulers one leads", arguments: Backend.allCases)
    func emitsEachTickOnce(backend: Backend) async throws {
        let deployment = try backend.deployment()
        let (store, _, _) = try deployment.open()
        #expect(try await store.createWorkflow(Self.workflow("digest", schedule: "*/5 * * * *", savedAt: "10:00:30")))
        #expect(try await store.createWorkflow(Self.workflow("report", tenant: "globex", schedule: "0 * * * *", savedAt: "10:00:30")))
        #expect(try await store.createWorkflow(Self.workflow("by-hand", schedule: nil, savedAt: "10:00:30")))
        let clock = SettableClock(Self.at("10:02:00"))
        let first = try deployment.scheduler("first", clock: clock)
        let second = try deployment.scheduler("second", clock: clock)

        let quiet = try await first.pass()
        #expect(quiet.leading && quiet.emitted.isEmpty && quiet.next == Self.at("10:02:10"), "nothing due; the next look is a refresh away")
        let following = try await second.pass()
        #expect(!following.leading && following.emitted.isEmpty && following.next == Self.at("10:22:00"), "a follower tries again a third of a lease later")

        clock.now = Self.at("10:05:00.400")
        let fired = try await first.pass()
        #expect(fired.emitted.map(\.workflowId) == ["digest"] && fired.next == Self.at("10:05:10.400"))
        #expect(try await second.pass().emitted.isEmpty)
        let run = try #require(fired.emitted.first)
        #expect(run.id == Scheduler.runID(workflow: Self.workflow("digest", schedule: nil, savedAt: "10:00:30"), tick: Self.at("10:05:00")))
        #expect(try await store.run(run.id, tenant: "acme") == run)
        #expect(run.status == .queued && run.scheduledFor == Self.at("10:05:00") && run.workflowVersion == 1 && run.nodes["only"]?.status == .waiting)
        #expect(try await deployment.takeRunStarts() == [RunStartPayload(tenant: "acme", run: run.id)])

        clock.now = Self.at("10:05:09")
        #expect(try await first.pass().emitted.isEmpty, "a tick already emitted")
        clock.now = Self.at("11:00:01")
        let hourly = try await first.pass()
        #expect(hourly.emitted.map { "\($0.tenant)/\($0.workflowId)" } == ["acme/digest", "globex/report"])
        #expect(hourly.emitted.allSatisfy { $0.scheduledFor == Self.at("11:00:00") })
        #expect(try await deployment.takeRunStarts().map(\.tenant) == ["acme", "globex"])
        #expect(try await store.runs(tenant: "acme", workflow: "digest", status: nil, limit: 10, offset: 0).count == 2)
        #expect(try await store.runs(tenant: "acme", workflow: "report", status: nil, limit: 10, offset: 0).isEmpty, "runs stay in their tenant")
    }

    @Test("late ticks: up to five minutes late they run, only the newest of several; none before the version was saved", arguments: Backend.allCases)
    func lateTicks(backend: Backend) async throws {
        let deployment = try backend.deployment()
        let (store, _, _) = try deployment.open()
        #expect(try await store.createWorkflow(Self.workflow("minutely", schedule: "* * * * *", savedAt: "10:00:30")))
        let clock = SettableClock(Self.at("10:20:30"))  // the scheduler was down for twenty minutes
        let scheduler = try deployment.scheduler("only", clock: clock)
        #expect(try await scheduler.pass().emitted.map(\.scheduledFor) == [Self.at("10:20:00")], "10:16 to 10:19 skipped, 10:01 to 10:15 too late")

        var changed = Self.workflow("minutely", schedule: "*/10 * * * *", savedAt: "10:20:45", version: 2)
        changed.createdAt = Self.at("10:00:30")
        #expect(try await store.updateWorkflow(changed))
        clock.now = Self.at("10:30:10")
        let after = try await scheduler.pass().emitted
        #expect(after.map(\.scheduledFor) == [Self.at("10:30:00")] && after.first?.workflowVersion == 2)

        #expect(try await store.createWorkflow(Self.workflow("new", schedule: "* * * * *", savedAt: "10:30:20")))
        clock.now = Self.at("10:30:40")
        #expect(try await scheduler.pass().emitted.isEmpty, "10:30 came before the workflow was saved")
        clock.now = Self.at("10:31:00")
        #expect(try await scheduler.pass().emitted.map(\.workflowId) == ["new"])
        #expect(try await deployment.takeRunStarts().count == 3)
    }

    @Test("a leader whose lease ends is replaced; its tick is stored once, and queued again only while the run has not started",
          arguments: Backend.allCases)
    func takeOver(backend: Backend) async throws {
        let deployment = try backend.deployment()
        let (store, _, lease) = try deployment.open()
        #expect(try await store.createWorkflow(Self.workflow("digest", schedule: "*/5 * * * *", savedAt: "10:00:30")))
        let clock = SettableClock(Self.at("10:05:01"))
        let first = try deployment.scheduler("first", clock: clock)
        let second = try deployment.scheduler("second", clock: clock)
        let emitted = try await first.pass().emitted
        #expect(emitted.count == 1)
        #expect(try await second.pass().leading == false)

        // The first stops renewing (it crashed after storing, maybe before queueing) and its lease
        // ends: given back here, so the test waits on no clock (the lease test covers running out).
        try await lease.release(Scheduler.leaseName, holder: first.holder)
        let takeover = try await second.pass()
        #expect(takeover.leading && takeover.emitted.map(\.id) == emitted.map(\.id), "the stored run, queued again since it has not started")
        #expect(try await store.runs(tenant: "acme", workflow: "digest", status: nil, limit: 10, offset: 0).count == 1)
        #expect(try await deployment.takeRunStarts().count == 1, "run_start queued again under the same message id is one message")

        _ = try await store.modifyRun(emitted[0].id, tenant: "acme") { $0.run.status = .running }
        try await lease.release(Scheduler.leaseName, holder: second.holder)
        let third = try deployment.scheduler("third", clock: clock)
        let later = try await third.pass()
        #expect(later.leading && later.emitted.isEmpty, "a started run is not queued again")
        #expect(try await deployment.takeRunStarts().isEmpty)
    }

    @Test("the lease: one holder at a time, renewed by its holder, free once it runs out or is given back (by its holder only)",
          arguments: Backend.allCases)
    func lease(backend: Backend) async throws {
        let deployment = try backend.deployment()
        let (first, second) = (try deployment.open().2, try deployment.open().2)
        // Grants of an hour wherever a lease must still be held: under make test's load the
        // cooperative threads stall for seconds (tests that block them), and only expiry may wait.
        let hour = Duration.seconds(3600)
        #expect(try await first.acquire("scheduler", holder: "a", for: hour))
        #expect(try await second.acquire("scheduler", holder: "b", for: hour) == false)
        #expect(try await second.acquire("other", holder: "b", for: hour), "leases apart by name")
        #expect(try await first.acquire("scheduler", holder: "a", for: hour), "renewed by its holder")
        // A renewal extends the term: a brief lease renewed for an hour is still held after the brief term.
        #expect(try await first.acquire("renewed", holder: "a", for: .milliseconds(300)))
        #expect(try await first.acquire("renewed", holder: "a", for: hour))
        try await Task.sleep(for: .seconds(1))
        #expect(try await second.acquire("renewed", holder: "b", for: hour) == false, "still a's past the first term")
        #expect(try await first.acquire("brief", holder: "a", for: .milliseconds(200)))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await second.acquire("brief", holder: "b", for: hour), "a's ran out")
        try await first.release("scheduler", holder: "a")
        #expect(try await second.acquire("scheduler", holder: "b", for: hour), "given back: free at once")
        try await first.release("scheduler", holder: "a")
        #expect(try await first.acquire("scheduler", holder: "a", for: hour) == false, "a cannot give back what b holds")
        try await second.release("scheduler", holder: "b")
        #expect(try await first.acquire("scheduler", holder: "a", for: hour))
    }

    @Test("a schedule that does not read is skipped; the others still run", arguments: Backend.allCases)
    func unreadableSchedule(backend: Backend) async throws {
        let deployment = try backend.deployment()
        let (store, _, _) = try deployment.open()
        #expect(try await store.createWorkflow(Self.workflow("broken", schedule: "every five minutes", savedAt: "10:00:30")))
        #expect(try await store.createWorkflow(Self.workflow("fine", schedule: "*/5 * * * *", savedAt: "10:00:30")))
        let scheduler = try deployment.scheduler("only", clock: SettableClock(Self.at("10:05:02")))
        #expect(try await scheduler.pass().emitted.map(\.workflowId) == ["fine"])
    }

    @Test("a workflow whose run cannot be stored holds back no other's tick; its own is emitted once it can be", arguments: Backend.allCases)
    func failingEmit(backend: Backend) async throws {
        let deployment = try backend.deployment()
        let (store, queue, lease) = try deployment.open()
        // The middle one is refused, so whatever order the store lists them in, one comes after it.
        for id in ["a", "b", "c"] { #expect(try await store.createWorkflow(Self.workflow(id, schedule: "*/5 * * * *", savedAt: "10:00:30"))) }
        let runs = RefusingRuns(store, refusing: ["b"])
        let clock = SettableClock(Self.at("10:05:02"))
        let scheduler = Scheduler(workflows: store, runs: runs, queue: queue, lease: lease, holder: "only", leaseDuration: .seconds(3600),
                                  now: { clock.now })
        await #expect(throws: RefusingRuns.Refused.self) { try await scheduler.pass() }
        let tick = Self.at("10:05:00")
        func runID(_ id: String) -> String { Scheduler.runID(workflow: Self.workflow(id, schedule: nil, savedAt: "10:00:30"), tick: tick) }
        #expect(Set(try await deployment.takeRunStarts().map(\.run)) == [runID("a"), runID("c")])
        runs.refusing.withLock { $0 = [] }
        clock.now = Self.at("10:05:03")
        #expect(try await scheduler.pass().emitted.map(\.workflowId) == ["b"])
        #expect(try await deployment.takeRunStarts().map(\.run) == [runID("b")])
    }

    @Test("run() passes at the tick on its own, and gives the lease back when cancelled", arguments: Backend.allCases)
    func runsOnItsOwn(backend: Backend) async throws {
        let deployment = try backend.deployment()
        let (store, _, lease) = try deployment.open()
        #expect(try await store.createWorkflow(Self.workflow("minutely", schedule: "* * * * *", savedAt: "10:05:30")))
        // Real time, shifted so that the 10:06 tick is a second away.
        let offset = Self.at("10:05:59").timeIntervalSince(Date())
        let (opened, queue, ownLease) = try deployment.open()
        let scheduler = Scheduler(workflows: opened, runs: opened, queue: queue, lease: ownLease, holder: "looping",
                                  now: { Date().addingTimeInterval(offset) })
        let task = Task { await scheduler.run() }
        var runs: [Run] = []
        for _ in 0..<100 where runs.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            runs = try await store.runs(tenant: "acme", workflow: "minutely", status: nil, limit: 10, offset: 0)
        }
        task.cancel()
        await task.value
        // 10:06, or a later minute if the loaded test run stalled the scheduler's first pass past it.
        #expect(!runs.isEmpty && runs.allSatisfy { ($0.scheduledFor ?? .distantPast) >= Self.at("10:06:00") }, "\(runs)")
        #expect(try await lease.acquire(Scheduler.leaseName, holder: "next", for: .seconds(30)), "given back on the way out")
    }
}

/// A date the test sets.
final class SettableClock: Sendable {
    private let time: Mutex<Date>
    init(_ start: Date) { time = Mutex(start) }
    var now: Date {
        get { time.withLock { $0 } }
        set { time.withLock { $0 = newValue } }
    }
}

/// A real run store that refuses to store runs of the named workflows: one workflow's failure
/// beside working ones.
final class RefusingRuns: RunStore {
    struct Refused: Error {}
    let store: any RunStore
    let refusing: Mutex<Set<String>>

    init(_ store: any RunStore, refusing: Set<String>) {
        self.store = store
        self.refusing = Mutex(refusing)
    }

    func createRun(_ run: Run) async throws -> Bool {
        if refusing.withLock({ $0.contains(run.workflowId) }) { throw Refused() }
        return try await store.createRun(run)
    }

    func run(_ id: String, tenant: String, nodes: [String]?) async throws -> Run? { try await store.run(id, tenant: tenant, nodes: nodes) }
    func runs(tenant: String, workflow: String?, status: Run.Status?, limit: Int, offset: Int) async throws -> [Run] {
        try await store.runs(tenant: tenant, workflow: workflow, status: status, limit: limit, offset: offset)
    }
    func modifyRun<T>(_ id: String, tenant: String, _ change: (inout RunDraft) throws -> T) async throws -> T? {
        try await store.modifyRun(id, tenant: tenant, change)
    }
    func appendRunLog(_ entry: RunLog) async throws { try await store.appendRunLog(entry) }
    func runLogs(run: String, tenant: String, after: String?, limit: Int) async throws -> [RunLog] {
        try await store.runLogs(run: run, tenant: tenant, after: after, limit: limit)
    }
    func saveRunOutput(_ data: Data, key: String, tenant: String) async throws { try await store.saveRunOutput(data, key: key, tenant: tenant) }
    func runOutput(key: String, tenant: String) async throws -> Data? { try await store.runOutput(key: key, tenant: tenant) }
    func runOutput(key: String, tenant: String, bytes: Range<Int>) async throws -> Data? { try await store.runOutput(key: key, tenant: tenant, bytes: bytes) }
}
