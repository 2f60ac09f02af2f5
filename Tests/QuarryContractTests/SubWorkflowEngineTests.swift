import Foundation
import QuarryCore
import QuarryWorkflow
import Testing

/// `sub_workflow` and `map` on each deployment's back ends, with real workers.
extension WorkflowEngineTests {
    /// trigger → probe `double`, whose value is built from the trigger: what a parent runs.
    /// `fail`: how many of its attempts fail; `failOnce`: the first run of it fails, the others not.
    static func child(_ id: String = "child", fail: Int? = nil, failOnce: Bool = false) -> Workflow {
        var probe = Workflow.Node(id: "double", type: "probe", config: ["value": .string("{{ trigger.n }}{{ trigger.n }}")])
        if let fail { probe.config["fail"] = .int(Int64(fail)) }
        if failOnce { probe.config["fail_once"] = .string(id) }
        return Workflow(id: id, tenant: "acme", name: id, nodes: [.init(id: "start", type: "trigger"), probe], edges: [.init(from: "start", to: "double")])
    }

    /// trigger → sub_workflow `sub` (running `child` on the trigger's n) → probe `after`, which reads the child's output.
    static func parent(_ id: String = "parent", child: String = "child", retry: Workflow.RetryPolicy? = nil) -> Workflow {
        Workflow(id: id, tenant: "acme", name: id, nodes: [
            .init(id: "start", type: "trigger"),
            .init(id: "sub", type: "sub_workflow", config: ["workflow": .string(child), "inputs": .object(["n": .string("{{ trigger.n }}")])],
                  retry: retry),
            .init(id: "after", type: "probe", config: ["value": .string("got {{ nodes.sub.nodes.double.value }}")]),
        ], edges: [.init(from: "start", to: "sub"), .init(from: "sub", to: "after")])
    }

    @Test("sub_workflow: the child runs with the templated inputs, the parent waits holding no worker, and goes on with the child's outputs",
          arguments: Deployment.allCases)
    func subWorkflow(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        for workflow in [Self.child(), Self.parent()] {
            try setup.engine.check(workflow)
            #expect(try await setup.store.createWorkflow(workflow))
        }
        let run = try await setup.engine.start(Self.parent(), inputs: .object(["n": .int(21)]))
        let done = await setup.finished(run)
        #expect(done.status == .succeeded, "\(done)")
        #expect(done.nodes["after"]?.output?.objectValue?["value"] == .string("got 2121"))
        let childID = try #require(done.nodes["sub"]?.childRun)
        let child = try #require(try await setup.store.run(childID, tenant: "acme"))
        #expect(child.status == .succeeded && child.inputs == .object(["n": .int(21)]))
        #expect(child.parent == Run.Parent(run: run.id, node: "sub", attempt: 1, depth: 1) && child.parentPending == false)
        #expect(done.nodes["sub"]?.output?.objectValue?["run_id"] == .string(childID))
        #expect(setup.effects.count(childID, "double") == 1 && setup.effects.count(run.id, "after") == 1)
        let log = try await setup.store.runLogs(run: run.id, tenant: "acme", after: nil, limit: 100)
        #expect(log.contains { $0.node == "sub" && $0.message.hasPrefix("waits for run \(childID)") })
        #expect(try await setup.store.run(childID, tenant: "globex") == nil)
    }

    @Test("sub_workflow: a failing child fails the node (a retry starts a new child); a missing workflow and a workflow that starts itself fail with why",
          arguments: Deployment.allCases)
    func subWorkflowFailures(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        let recursive = Workflow(id: "again", tenant: "acme", name: "again", nodes: [
            .init(id: "start", type: "trigger"), .init(id: "self", type: "sub_workflow", config: ["workflow": .string("again")]),
        ], edges: [.init(from: "start", to: "self")])
        for workflow in [Self.child("flaky", failOnce: true), Self.child("broken", fail: 100), Self.parent("p1", child: "flaky", retry: .init(maxAttempts: 2, backoffSeconds: 0.1)),
                         Self.parent("p2", child: "broken"), Self.parent("p3", child: "nowhere"), recursive] {
            #expect(try await setup.store.createWorkflow(workflow))
        }
        let retried = await setup.finished(try await setup.engine.start(Self.parent("p1", child: "flaky"), inputs: .object(["n": .int(1)])))
        #expect(retried.status == .succeeded && retried.nodes["sub"]?.attempt == 2, "\(retried)")
        let children = try await setup.store.runLogs(run: retried.id, tenant: "acme", after: nil, limit: 100)
            .compactMap { $0.node == "sub" ? $0.data?.objectValue?["child_run"]?.string : nil }
        #expect(children.count == 2 && Set(children).count == 2 && retried.nodes["sub"]?.childRun == children.last,
                "each attempt ran a child of its own: \(children)")
        let firstID = try #require(children.first)
        let firstChild = try #require(try await setup.store.run(firstID, tenant: "acme"))
        #expect(firstChild.status == .failed && firstChild.parent?.attempt == 1)

        let failed = await setup.finished(try await setup.engine.start(Self.parent("p2", child: "broken"), inputs: .object(["n": .int(1)])))
        #expect(failed.status == .failed && failed.nodes["after"]?.status == .canceled)
        #expect(failed.error?.hasPrefix("node 'sub' failed: sub-workflow run run-") == true
            && failed.error?.hasSuffix("failed: node 'double' failed: probe failed on attempt 1") == true, "\(failed.error ?? "")")

        let missing = await setup.finished(try await setup.engine.start(Self.parent("p3", child: "nowhere"), inputs: .object(["n": .int(1)])))
        #expect(missing.error == "node 'sub' failed: there is no workflow 'nowhere'")

        let deep = await setup.finished(try await setup.engine.start(recursive, inputs: .object([:])))
        #expect(deep.status == .failed, "\(deep)")
        var innermost = deep
        for _ in 0..<WorkflowEngine.maximumDepth {
            let id = try #require(innermost.nodes["self"]?.childRun)
            innermost = try #require(try await setup.store.run(id, tenant: "acme"))
        }
        #expect(innermost.parent?.depth == WorkflowEngine.maximumDepth && innermost.nodes["self"]?.childRun == nil)
        #expect(innermost.error?.contains("sub-workflows nest at most 8 deep") == true && deep.error?.contains("nest at most 8 deep") == true)
    }

    @Test("canceling a run that waits for a child cancels the child; its news reaches the canceled parent and changes nothing",
          arguments: Deployment.allCases)
    func subWorkflowCancel(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        var slow = Self.child("slow")
        slow.nodes[1].config["sleep"] = .int(20)
        for workflow in [slow, Self.parent(child: "slow")] { #expect(try await setup.store.createWorkflow(workflow)) }
        let run = try await setup.engine.start(Self.parent(child: "slow"), inputs: .object(["n": .int(1)]))
        await setup.work {
            guard let current = try? await setup.store.run(run.id, tenant: "acme"), let child = current.nodes["sub"]?.childRun else { return false }
            if current.status == .running, (try? await setup.store.run(child, tenant: "acme"))?.nodes["double"]?.status == .running {
                _ = try? await setup.engine.cancel(run.id, tenant: "acme")
            }
            return (try? await setup.store.run(child, tenant: "acme"))?.status == .canceled && current.status == .canceled
        }
        let done = try #require(try await setup.store.run(run.id, tenant: "acme"))
        let childID = try #require(done.nodes["sub"]?.childRun)
        let child = try #require(try await setup.store.run(childID, tenant: "acme"))
        #expect(done.status == .canceled && child.status == .canceled, "\(done) \(child)")
        #expect(setup.effects.count(child.id, "double") == 0 && setup.effects.count(run.id, "after") == 0)
    }

    @Test("a worker that died after writing a child run's end but before telling its parent: the redelivery tells it, and the parent goes on once",
          arguments: Deployment.allCases)
    func crashBeforeTellingParent(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment, heartbeat: .seconds(2))
        let child = Self.child()
        for workflow in [child, Self.parent()] { #expect(try await setup.store.createWorkflow(workflow)) }
        let run = try await setup.engine.start(Self.parent(), inputs: .object(["n": .int(4)]))
        // By hand: the parent's run_start (its trigger succeeds in it) and sub (which starts the child), the child's run_start.
        for _ in 0..<3 { try await setup.runNext(on: "default") }
        let childID = try #require(try await setup.store.run(run.id, tenant: "acme")?.nodes["sub"]?.childRun)
        #expect(try await setup.store.run(run.id, tenant: "acme")?.nodes["sub"]?.status == .awaiting)
        // Another worker takes the child's last node, writes its end and dies before telling the parent.
        let dying = setup.otherWorker()
        let job = try #require(try await dying.dequeue(queue: "actions", lease: .seconds(1)))
        #expect(String(decoding: job.payload, as: UTF8.self).contains(childID))
        _ = try await setup.store.modifyRun(childID, tenant: "acme") { run in
            _ = run.claim("double", attempt: 1)
            _ = run.succeed("double", attempt: 1, output: .object(["value": .string("44")]), in: child)
        }
        let ended = try #require(try await setup.store.run(childID, tenant: "acme"))
        #expect(ended.status == .succeeded && ended.parentPending == true, "written, not told")
        #expect(try await setup.queue.depth(queue: "default") == 0)
        try await Task.sleep(for: .seconds(2.5))
        let done = await setup.finished(run)
        #expect(done.status == .succeeded && done.nodes["after"]?.output?.objectValue?["value"] == .string("got 44"), "\(done)")
        #expect(setup.effects.count(run.id, "after") == 1 && setup.effects.count(childID, "double") == 0)
        #expect(try await setup.store.run(childID, tenant: "acme")?.parentPending == false)
    }
}
