import Foundation
import Logging
import Metrics
import QuarryCore

/// Emits workflow runs from cron schedules (DESIGN.md §2, §5): at each tick of a workflow's
/// schedule it stores a `queued` run and queues `run_start` for it on `default`.
///
/// Several schedulers may run (`quarry scheduler` replicas, `quarry serve` on the embedded queue):
/// the one holding the lease ``leaseName`` leads, and the others wait to take over when it stops
/// renewing. A run's id is made from its workflow and tick, so a tick emitted twice (a leader
/// that paused past its lease while another took over) is stored once, and its `run_start`, sent
/// under a message id made from the run, is one message (and starts a run only once anyway).
///
/// Late ticks: a tick is emitted up to ``catchUp`` after its time (a restart, a change of leader,
/// a back end that was down); older ones are not looked at, and of several late ticks within
/// that window only the newest runs (the others are counted and logged), so a schedule never
/// replays a backlog. A tick before the workflow's current version was saved never runs. Cron
/// times are UTC.
///
/// Metrics: `workflow_runs_scheduled_total`, `workflow_ticks_missed_total`.
public actor Scheduler {
    public static let leaseName = "scheduler"

    let workflows: any WorkflowStore
    let runs: any RunStore
    let queue: any JobQueue
    let lease: any LeaderLease
    /// This scheduler's name in the lease.
    public nonisolated let holder: String
    public let catchUp: Duration
    /// How long the lease lasts without renewal; the leader renews it at least every third of it.
    public let leaseDuration: Duration
    /// How often the leader reads the workflows again, for new and changed schedules.
    public let refresh: Duration
    let now: @Sendable () -> Date
    let logger = Logger(label: "quarry.scheduler")
    /// The newest tick handled, by workflow (tenant and id).
    private var handled: [WorkflowKey: Date] = [:]
    private var leading = false
    /// Schedules already reported as unreadable, so each is logged once.
    private var reported: Set<String> = []

    public init(workflows: any WorkflowStore, runs: any RunStore, queue: any JobQueue, lease: any LeaderLease,
                holder: String = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))",
                catchUp: Duration = .seconds(300), leaseDuration: Duration = .seconds(30), refresh: Duration = .seconds(10),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.workflows = workflows
        self.runs = runs
        self.queue = queue
        self.lease = lease
        self.holder = holder
        self.catchUp = catchUp
        self.leaseDuration = leaseDuration
        self.refresh = min(refresh, leaseDuration / 3)
        self.now = now
    }

    /// What one pass did.
    public struct Pass: Sendable, Equatable {
        /// Whether this scheduler held the lease.
        public var leading: Bool
        /// The runs stored or queued again this pass.
        public var emitted: [Run]
        /// When the next pass is due: the next tick, a refresh, or a try for the lease.
        public var next: Date
    }

    /// Until cancelled: a pass at every tick and refresh; back ends that fail are retried with
    /// backoff (up to 30 s) and logged. Gives the lease back on the way out.
    public func run() async {
        var failures = 0
        while !Task.isCancelled {
            let wake: Date
            do {
                wake = try await pass().next
                failures = 0
            } catch {
                failures += 1
                let delay = min(Double(1 << min(failures - 1, 5)), 30)
                logger.warning("scheduler pass failed; trying again", metadata: ["error": "\(error)", "retry_in_s": "\(delay)"])
                wake = now().addingTimeInterval(delay)
            }
            let delay = max(wake.timeIntervalSince(now()), 0.01)
            try? await Task.sleep(for: .seconds(delay))
        }
        if leading { try? await lease.release(Self.leaseName, holder: holder) }
    }

    /// Takes or renews the lease and, leading, emits every tick due by now. Throws the first
    /// failure to emit after trying every workflow's tick.
    @discardableResult
    public func pass() async throws -> Pass {
        let time = now()
        let wasLeading = leading
        leading = try await lease.acquire(Self.leaseName, holder: holder, for: leaseDuration)
        if leading != wasLeading { logger.info(leading ? "leading: this scheduler emits runs" : "following: another scheduler leads", metadata: ["holder": "\(holder)"]) }
        guard leading else {
            handled = [:]  // whoever leads may change schedules' course meanwhile; start afresh on taking over
            return Pass(leading: false, emitted: [], next: time.addingTimeInterval(leaseDuration.seconds / 3))
        }
        var emitted: [Run] = []
        var next = time.addingTimeInterval(refresh.seconds)
        var failure: (any Error)?
        for workflow in try await workflows.scheduledWorkflows() {
            guard let text = workflow.schedule, let schedule = readable(text, of: workflow) else { continue }
            let key = WorkflowKey(tenant: workflow.tenant, id: workflow.id)
            let (due, missed) = dueTick(of: schedule, after: max(time.addingTimeInterval(-catchUp.seconds), workflow.updatedAt, handled[key] ?? .distantPast), by: time)
            if missed > 0 {
                Counter(label: "workflow_ticks_missed_total").increment(by: missed)
                logger.warning("ticks skipped: only the newest missed tick runs", metadata: ["tenant": "\(workflow.tenant)", "workflow": "\(workflow.id)", "skipped": "\(missed)"])
            }
            if let due {
                do {
                    if let run = try await emit(workflow, tick: due, at: time) { emitted.append(run) }
                    handled[key] = due
                } catch {
                    // One workflow's failure must not hold back the others' ticks: this tick stays
                    // unhandled, and the pass fails after the rest, so run() tries again with backoff.
                    logger.error("run not emitted; trying again", metadata: [
                        "tenant": "\(workflow.tenant)", "workflow": "\(workflow.id)", "tick": "\(due)", "error": "\(error)",
                    ])
                    failure = failure ?? error
                }
            }
            if let upcoming = schedule.next(after: time), upcoming < next { next = upcoming }
        }
        if let failure { throw failure }
        return Pass(leading: true, emitted: emitted, next: next)
    }

    /// The newest tick after `earliest` and at or before `time`, and how many older ticks in that
    /// window it passes over.
    func dueTick(of schedule: CronSchedule, after earliest: Date, by time: Date) -> (Date?, Int) {
        var due: Date?
        var count = 0
        var cursor = earliest
        while let tick = schedule.next(after: cursor), tick <= time {
            due = tick
            count += 1
            cursor = tick
        }
        return (due, max(count - 1, 0))
    }

    /// Stores the tick's run and queues its `run_start`. A run already stored (another scheduler,
    /// or this one before a crash) is queued again only while it has not started, since a crash
    /// may have come between storing and queueing. Nil when there was nothing to do.
    func emit(_ workflow: Workflow, tick: Date, at time: Date) async throws -> Run? {
        var run = Run(id: Self.runID(workflow: workflow, tick: tick), workflow: workflow, createdAt: time, scheduledFor: tick)
        if try await !runs.createRun(run) {
            guard let stored = try await runs.run(run.id, tenant: run.tenant, nodes: []), stored.status == .queued else { return nil }
            run = stored
        }
        try await queue.enqueue(WorkflowEngine.runStartJob(run))
        Counter(label: "workflow_runs_scheduled_total").increment()
        logger.info("run emitted", metadata: ["tenant": "\(run.tenant)", "workflow": "\(run.workflowId)", "run": "\(run.id)", "tick": "\(tick)"])
        return run
    }

    /// The schedule, or nil (logged once) when the stored text does not read: a workflow saved
    /// around validation must not stop every other schedule.
    func readable(_ text: String, of workflow: Workflow) -> CronSchedule? {
        do {
            return try CronSchedule(text)
        } catch {
            if reported.insert("\(workflow.tenant)\u{0}\(workflow.id)\u{0}\(text)").inserted {
                logger.error("workflow skipped: its schedule does not read", metadata: ["tenant": "\(workflow.tenant)", "workflow": "\(workflow.id)", "error": "\(error)"])
            }
            return nil
        }
    }

    /// `sched-` and 32 hex digits of sha256(tenant, workflow id, tick in epoch minutes).
    public static func runID(workflow: Workflow, tick: Date) -> String {
        let minute = Int((tick.timeIntervalSince1970 / 60).rounded(.down))
        return WorkflowEngine.id("sched-", madeOf: [workflow.tenant, workflow.id, String(minute)])
    }
}

/// `run_start`'s keyword arguments (Docs/QUEUES.md).
public struct RunStartPayload: Codable, Sendable, Equatable {
    public var tenant: String
    public var run: String

    public init(tenant: String, run: String) {
        self.tenant = tenant
        self.run = run
    }
}

struct WorkflowKey: Hashable {
    let tenant: String
    let id: String
}
