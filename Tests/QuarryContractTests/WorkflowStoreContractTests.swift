import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

/// What every ``WorkflowStore`` and ``RunStore`` promises, asserted alike against SQLite and
/// MongoDB (SecantusDB): versions, tenants, compare-and-set writes, and a fan-in that fires once
/// when two workers finish its predecessors at the same moment.
@Suite("workflow and run store contract")
struct WorkflowStoreContractTests {
    /// Dates in whole milliseconds: what every store keeps exactly.
    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_700_000_000.125 + seconds) }

    static func workflow(_ id: String, tenant: String = "acme", age: Double = 0) -> Workflow {
        var workflow = TestWorkflows.diamond
        workflow.id = id
        workflow.tenant = tenant
        workflow.createdAt = date(age)
        workflow.updatedAt = date(age)
        return workflow
    }

    @Test("workflows: created once, changed version by version over the version read, old versions kept, tenants apart", arguments: StoreBackend.allCases)
    func workflows(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        #expect(try await store.createWorkflow(Self.workflow("w1")))
        #expect(try await store.createWorkflow(Self.workflow("w1")) == false, "the id is taken")
        #expect(try await store.createWorkflow(Self.workflow("w2", age: 1)))
        #expect(try await store.createWorkflow(Self.workflow("w1", tenant: "globex")))
        #expect(try await store.workflow("w1", version: nil, tenant: "acme") == Self.workflow("w1"), "settings with $ and . in their names survive")

        var second = Self.workflow("w1")
        second.version = 2
        second.name = "digest, shorter"
        second.updatedAt = Self.date(5)
        #expect(try await store.updateWorkflow(second))
        var stale = Self.workflow("w1")
        stale.version = 2
        stale.name = "written over a version already replaced"
        #expect(try await store.updateWorkflow(stale) == false)
        #expect(try await store.workflow("w1", version: nil, tenant: "acme") == second)
        #expect(try await store.workflow("w1", version: 1, tenant: "acme") == Self.workflow("w1"))
        #expect(try await store.workflow("w1", version: 3, tenant: "acme") == nil)
        var elsewhere = second
        elsewhere.tenant = "initech"
        #expect(try await store.updateWorkflow(elsewhere) == false, "no such workflow in that tenant")

        #expect(try await store.workflows(tenant: "acme", limit: 10, offset: 0).map(\.id) == ["w2", "w1"])
        #expect(try await store.workflows(tenant: "acme", limit: 10, offset: 1) == [second])
        #expect(try await store.scheduledWorkflows().isEmpty)
        var hourly = Self.workflow("w3", tenant: "globex", age: 2)
        hourly.schedule = "0 * * * *"
        #expect(try await store.createWorkflow(hourly))
        var daily = second
        daily.version = 3
        daily.schedule = "@daily"
        #expect(try await store.updateWorkflow(daily))
        #expect(try await store.scheduledWorkflows() == [daily, hourly], "every tenant's, current versions only")
        var unscheduled = daily
        unscheduled.version = 4
        unscheduled.schedule = nil
        #expect(try await store.updateWorkflow(unscheduled))
        #expect(try await store.scheduledWorkflows() == [hourly])

        #expect(try await store.deleteWorkflow("w1", tenant: "acme"))
        #expect(try await store.deleteWorkflow("w1", tenant: "acme") == false)
        #expect(try await store.workflow("w1", version: 1, tenant: "acme") == nil)
        #expect(try await store.workflow("w1", version: nil, tenant: "globex") != nil)
    }

    @Test("webhooks: one per workflow, found by its digest from any tenant, replaced, removed, gone with the workflow", arguments: StoreBackend.allCases)
    func hooks(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        let (first, second, other) = (UUID().uuidString, UUID().uuidString, UUID().uuidString)
        #expect(try await store.setWorkflowHook("nowhere", tenant: "acme", digest: first) == false, "no such workflow")
        #expect(try await store.createWorkflow(Self.workflow("hooked")))
        #expect(try await store.createWorkflow(Self.workflow("hooked", tenant: "globex")))
        #expect(try await store.setWorkflowHook("hooked", tenant: "acme", digest: first))
        #expect(try await store.setWorkflowHook("hooked", tenant: "globex", digest: other))
        #expect(try await store.workflowHook(digest: first) == WorkflowHook(tenant: "acme", workflow: "hooked"))
        #expect(try await store.workflowHook(digest: other) == WorkflowHook(tenant: "globex", workflow: "hooked"))
        #expect(try await store.setWorkflowHook("hooked", tenant: "acme", digest: second), "a new secret")
        #expect(try await store.workflowHook(digest: first) == nil, "the old secret starts nothing")
        #expect(try await store.workflowHook(digest: second) == WorkflowHook(tenant: "acme", workflow: "hooked"))
        #expect(try await store.setWorkflowHook("hooked", tenant: "globex", digest: nil))
        #expect(try await store.workflowHook(digest: other) == nil)
        #expect(try await store.deleteWorkflow("hooked", tenant: "acme"))
        #expect(try await store.workflowHook(digest: second) == nil, "deleted with its workflow")
        #expect(try await store.createWorkflow(Self.workflow("hooked")))
        #expect(try await store.workflowHook(digest: second) == nil, "a new workflow of that name does not inherit the hook")
    }

    @Test("outputs kept apart from runs: read back as written, whole or a range of bytes, replaced by a second write, per tenant", arguments: StoreBackend.allCases)
    func runOutputs(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        let key = "run-\(UUID().uuidString)/big/1"
        #expect(try await store.runOutput(key: key, tenant: "acme") == nil)
        let data = Data((0..<300_000).map { UInt8($0 % 251) })
        try await store.saveRunOutput(data, key: key, tenant: "acme")
        #expect(try await store.runOutput(key: key, tenant: "acme") == data)
        #expect(try await store.runOutput(key: key, tenant: "globex") == nil)
        // Pieces, across MongoDB's 255 KB chunks too; short at the end, empty past it.
        for range in [0..<10, 1000..<1001, 200_000..<270_000, 261_119..<261_121, 0..<300_000, 299_990..<400_000, 300_000..<300_100] {
            let piece = try await store.runOutput(key: key, tenant: "acme", bytes: range)
            #expect(piece == data.subdata(in: range.clamped(to: 0..<data.count)), "bytes \(range)")
        }
        #expect(try await store.runOutput(key: key, tenant: "globex", bytes: 0..<10) == nil)
        #expect(try await store.runOutput(key: "nothing", tenant: "acme", bytes: 0..<10) == nil)
        try await store.saveRunOutput(Data("{}".utf8), key: key, tenant: "acme")
        #expect(try await store.runOutput(key: key, tenant: "acme") == Data("{}".utf8))
    }

    @Test("runs: listed newest first per workflow; read whole or with some nodes; a step applies once", arguments: StoreBackend.allCases)
    func runs(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        let workflow = Self.workflow("w1")
        for (index, id) in ["r1", "r2", "r3"].enumerated() { #expect(try await store.createRun(Run(id: id, workflow: workflow, createdAt: Self.date(Double(index))))) }
        #expect(try await store.createRun(Run(id: "r9", workflow: Self.workflow("w1", tenant: "globex"))))
        #expect(try await store.createRun(Run(id: "r2", workflow: workflow, createdAt: Self.date(9))) == false, "the id is taken")
        let scheduled = Run(id: "r4", workflow: workflow, createdAt: Self.date(3), scheduledFor: Self.date(2.875))
        #expect(try await store.createRun(scheduled))
        #expect(try await store.run("r4", tenant: "acme") == scheduled, "the tick a scheduled run was emitted for is kept")
        var child = Run(id: "c1", workflow: workflow, createdAt: Self.date(-1))
        child.parent = Run.Parent(run: "r1", node: "fetch", attempt: 2, depth: 1)
        child.parentPending = true
        child.nodes["fetch"]?.childRun = "c0"
        #expect(try await store.createRun(child))
        #expect(try await store.run("c1", tenant: "acme") == child, "a child run keeps its parent, what it owes it, and its own children")
        #expect(try await store.runs(tenant: "acme", workflow: "w1", status: nil, limit: 2, offset: 0).map(\.id) == ["r4", "r3"])
        #expect(try await store.runs(tenant: "acme", workflow: "w1", status: nil, limit: 2, offset: 1).map(\.id) == ["r3", "r2"])
        #expect(try await store.runs(tenant: "globex", workflow: "w1", status: nil, limit: 10, offset: 0).map(\.id) == ["r9"])
        #expect(try await store.run("r9", tenant: "acme") == nil)
        #expect(try await store.createRun(Run(id: "r5", workflow: Self.workflow("w2"), createdAt: Self.date(4))))
        #expect(try await store.runs(tenant: "acme", workflow: nil, status: nil, limit: 10, offset: 0).map(\.id) == ["r5", "r4", "r3", "r2", "r1", "c1"])
        #expect(try await store.runs(tenant: "acme", workflow: nil, status: .running, limit: 10, offset: 0).isEmpty)

        var run = try #require(try await store.run("r1", tenant: "acme"))
        #expect(run == Run(id: "r1", workflow: workflow, createdAt: Self.date(0)))
        #expect(try await store.modifyRun("r1", tenant: "acme") { $0.start(workflow, at: Self.date(1)) } == true)
        #expect(try await store.modifyRun("r1", tenant: "acme") { $0.start(workflow, at: Self.date(1)) } == false, "it started already")
        run.start(workflow, at: Self.date(1))
        run.revision += 2
        #expect(try await store.run("r1", tenant: "acme") == run && run.queuedNodes == ["fetch"])
        let some = try #require(try await store.run("r1", tenant: "acme", nodes: ["fetch", "nope"]))
        #expect(some.nodes == ["fetch": run.nodes["fetch"]!] && some.status == .running && some.outbox == run.outbox, "a run read with some nodes")
        #expect(try await store.run("r1", tenant: "acme", nodes: [])?.nodes.isEmpty == true)
        let started = try await store.modifyRun("r1", tenant: "acme") {
            $0.complete("fetch", in: workflow, output: .object(["documents": .array([.string("d1")])]), at: Self.date(2))
        }
        #expect(started == ["summarise", "translate"])
        #expect(try await store.run("r1", tenant: "acme")?.nodes["fetch"]?.output == .object(["documents": .array([.string("d1")])]))
        #expect(try await store.run("r1", tenant: "acme")?.revision == 3)
        #expect(try await store.runs(tenant: "acme", workflow: nil, status: .running, limit: 10, offset: 0).map(\.id) == ["r1"])
        #expect(try await store.runs(tenant: "acme", workflow: "w2", status: .running, limit: 10, offset: 0).isEmpty)
        #expect(try await store.modifyRun("nope", tenant: "acme") { _ in 1 } == nil)
    }

    @Test("two workers finish both predecessors of a fan-in at once: it is queued exactly once", arguments: StoreBackend.allCases)
    func fanIn(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        let workflow = Self.workflow("w1")
        for attempt in 0..<20 {
            var run = Run(id: "race-\(attempt)", workflow: workflow)
            run.start(workflow)
            run.complete("fetch", in: workflow)
            #expect(try await store.createRun(run))
            let id = run.id
            async let first = store.modifyRun(id, tenant: "acme") { $0.complete("summarise", in: workflow) }
            async let second = store.modifyRun(id, tenant: "acme") { $0.complete("translate", in: workflow) }
            let queued = try await [first, second].compactMap { $0 }.flatMap { $0 }
            #expect(queued == ["post"], "attempt \(attempt)")
            let stored = try #require(try await store.run(id, tenant: "acme"))
            #expect(stored.nodes["summarise"]?.status == .succeeded && stored.nodes["translate"]?.status == .succeeded)
            #expect(stored.nodes["post"]?.status == .queued && stored.revision == 2)
        }
    }

    @Test("run logs: oldest first, within their run and tenant, data of any shape kept", arguments: StoreBackend.allCases)
    func logs(backend: StoreBackend) async throws {
        let store = try backend.makeStore()
        let data = JSONValue.object(["rows": .int(3), "ratio": .double(0.5), "$tags": .array([.string("a.b"), .null, .bool(true)])])
        let entries = [
            RunLog(id: "b", runId: "r1", tenant: "acme", node: "fetch", time: Self.date(1), level: .info, message: "fetched 3 documents", data: data),
            RunLog(id: "a", runId: "r1", tenant: "acme", node: "fetch", time: Self.date(1), level: .debug, message: "same millisecond, earlier id"),
            RunLog(id: "c", runId: "r1", tenant: "acme", node: nil, time: Self.date(0), level: .warning, message: "run started late"),
            RunLog(id: "d", runId: "r2", tenant: "acme", node: nil, time: Self.date(0), level: .error, message: "another run"),
            RunLog(id: "e", runId: "r1", tenant: "globex", node: nil, time: Self.date(0), level: .info, message: "another tenant"),
        ]
        for entry in entries { try await store.appendRunLog(entry) }
        let log = try await store.runLogs(run: "r1", tenant: "acme", after: nil, limit: 10)
        #expect(log.map(\.id) == ["c", "a", "b"])
        #expect(log.last == entries[0])
        #expect(try await store.runLogs(run: "r1", tenant: "acme", after: "c", limit: 1).map(\.id) == ["a"])
        #expect(try await store.runLogs(run: "r1", tenant: "acme", after: "a", limit: 10).map(\.id) == ["b"], "same time, greater id")
        #expect(try await store.runLogs(run: "r1", tenant: "acme", after: "b", limit: 10).isEmpty)
        #expect(try await store.runLogs(run: "r1", tenant: "acme", after: "d", limit: 10).isEmpty, "a cursor of another run")
    }
}
