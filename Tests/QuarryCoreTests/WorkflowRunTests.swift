import Foundation
import QuarryCore
import QuarryTestSupport
import Testing

@Suite("Workflows and runs")
struct WorkflowRunTests {
    static let diamond = TestWorkflows.diamond

    @Test("a graph runs only when its nodes are unique, its edges join nodes and nothing waits for itself")
    func validation() throws {
        #expect(try Self.diamond.validate() == ["fetch", "summarise", "translate", "post"])
        var broken = Self.diamond
        broken.nodes = []
        #expect(throws: WorkflowError.empty) { try broken.validate() }
        broken = Self.diamond
        broken.nodes.append(.init(id: "post", type: "email"))
        #expect(throws: WorkflowError.duplicateNode("post")) { try broken.validate() }
        broken = Self.diamond
        broken.edges.append(.init(from: "post", to: "archive"))
        #expect(throws: WorkflowError.unknownNode("archive")) { try broken.validate() }
        broken = Self.diamond
        broken.edges.append(.init(from: "post", to: "post"))
        #expect(throws: WorkflowError.selfEdge("post")) { try broken.validate() }
        broken = Self.diamond
        broken.edges.append(.init(from: "post", to: "fetch"))
        #expect(throws: WorkflowError.cycle(["fetch", "summarise", "translate", "post"])) { try broken.validate() }
    }

    @Test("start queues the roots; each node queues the successors it completes; the fan-in fires once; all done: succeeded")
    func course() {
        var run = Run(id: "r", workflow: Self.diamond)
        #expect(run.status == .queued && run.nodes.values.allSatisfy { $0.status == .waiting })
        do { let holds = run.start(Self.diamond) && run.queuedNodes == ["fetch"]; #expect(holds) }
        do { let holds = !run.start(Self.diamond) && run.queuedNodes == ["fetch"]; #expect(holds, "starting twice queues nothing again") }
        #expect(run.messageID(run.outbox[0]) == "r:fetch:1")
        run.sent(run.outbox)
        #expect(run.outbox.isEmpty)
        do { let holds = run.claim("fetch", attempt: 1); #expect(holds) }
        #expect(run.nodes["fetch"]?.status == .running && run.nodes["fetch"]?.attempt == 1)
        do { let holds = !run.claim("fetch", attempt: 2); #expect(holds, "a message for an attempt not queued is dropped") }
        do { let holds = run.claim("fetch", attempt: 1); #expect(holds, "the same attempt's redelivery (its worker died) runs again") }
        do { let holds = run.succeed("fetch", attempt: 1, output: .string("text"), in: Self.diamond); #expect(holds) }
        #expect(run.queuedNodes == ["summarise", "translate"])
        do { let holds = !run.succeed("fetch", attempt: 1, output: .null, in: Self.diamond); #expect(holds, "a second report of the same success changes nothing") }
        #expect(run.nodes["fetch"]?.output == .string("text"))
        do { let holds = !run.claim("fetch", attempt: 1); #expect(holds, "a succeeded node's message is dropped") }
        do { let holds = run.complete("summarise", in: Self.diamond).isEmpty; #expect(holds, "post still waits for translate") }
        do { let holds = run.complete("translate", in: Self.diamond) == ["post"]; #expect(holds) }
        do { let holds = run.complete("translate", in: Self.diamond).isEmpty; #expect(holds) }
        #expect(run.status == .running)
        do { let holds = run.complete("post", in: Self.diamond).isEmpty; #expect(holds) }
        #expect(run.status == .succeeded && run.finishedAt != nil)
    }

    @Test("a failed node retries with backoff while attempts remain, then fails the run and cancels what has not begun")
    func retriesThenFailure() {
        var workflow = Self.diamond
        workflow.nodes[1].retry = .init(maxAttempts: 3, backoffSeconds: 2, maxBackoffSeconds: 3)
        let t0 = Date(timeIntervalSince1970: 1000)
        var run = Run(id: "r", workflow: workflow)
        run.start(workflow)
        run.complete("fetch", in: workflow)
        run.sent(run.outbox)
        do { let holds = run.claim("summarise", attempt: 1); #expect(holds) }
        do { let holds = run.fail("summarise", attempt: 1, error: "503", in: workflow, at: t0); #expect(holds) }
        #expect(run.nodes["summarise"]?.status == .queued && run.nodes["summarise"]?.attempt == 2)
        #expect(run.outbox == [Run.Dispatch(node: "summarise", attempt: 2, notBefore: t0.addingTimeInterval(2))])
        do { let holds = !run.claim("summarise", attempt: 1); #expect(holds, "the old attempt's redelivery is dropped") }
        do { let holds = run.claim("summarise", attempt: 2); #expect(holds) }
        do { let holds = run.fail("summarise", attempt: 2, error: "503", in: workflow, at: t0); #expect(holds) }
        #expect(run.outbox.last == Run.Dispatch(node: "summarise", attempt: 3, notBefore: t0.addingTimeInterval(3)), "backoff capped at 3 s")
        do { let holds = run.claim("summarise", attempt: 3); #expect(holds) }
        do { let holds = run.fail("summarise", attempt: 3, error: "the model is unreachable", in: workflow); #expect(holds) }
        #expect(run.status == .failed && run.error == "node 'summarise' failed: the model is unreachable")
        #expect(run.nodes["translate"]?.status == .canceled && run.nodes["post"]?.status == .canceled && run.outbox.isEmpty)
        do { let holds = run.complete("translate", in: workflow).isEmpty; #expect(holds, "a finished run queues nothing") }

        var permanent = Run(id: "p", workflow: workflow)
        permanent.start(workflow)
        permanent.complete("fetch", in: workflow)
        do { let holds = permanent.claim("summarise", attempt: 1); #expect(holds) }
        permanent.fail("summarise", attempt: 1, error: "template", retryable: false, in: workflow)
        #expect(permanent.status == .failed, "a permanent error does not retry")
    }

    @Test("cancel: nodes not begun never run, a running one is no longer current, and its report changes nothing")
    func cancel() {
        var run = Run(id: "r", workflow: Self.diamond)
        run.start(Self.diamond)
        do { let holds = run.claim("fetch", attempt: 1) && run.isCurrent("fetch", attempt: 1); #expect(holds) }
        do { let holds = run.cancel(); #expect(holds) }
        #expect(run.status == .canceled && run.error == nil && run.nodes.values.allSatisfy { $0.status == .canceled } && run.outbox.isEmpty)
        #expect(!run.isCurrent("fetch", attempt: 1))
        do { let holds = !run.succeed("fetch", attempt: 1, output: .null, in: Self.diamond) && run.status == .canceled; #expect(holds) }
        do { let holds = !run.cancel(); #expect(holds, "canceling twice does nothing") }
    }

    /// check → (yes | no) → notify; `notify` joins in `mode`.
    static func branching(_ mode: Workflow.JoinMode?) -> Workflow {
        Workflow(id: "b", tenant: "acme", name: "branching",
                 nodes: [.init(id: "check", type: "condition"), .init(id: "yes", type: "transform"), .init(id: "no", type: "transform"),
                         .init(id: "after_yes", type: "transform"), .init(id: "notify", type: "transform", join: mode)],
                 edges: [.init(from: "check", to: "yes", branch: "true"), .init(from: "check", to: "no", branch: "false"),
                         .init(from: "yes", to: "after_yes"), .init(from: "after_yes", to: "notify"), .init(from: "no", to: "notify")])
    }

    @Test("a condition's untaken branch is skipped, the skip propagates, and each join mode decides as documented",
          arguments: [(Workflow.JoinMode?.none, "skipped"), (.any, "queued"), (.allSettled, "queued")])
    func conditionsAndJoins(mode: Workflow.JoinMode?, notify: String) {
        let workflow = Self.branching(mode)
        var run = Run(id: "r", workflow: workflow)
        run.start(workflow)
        do { let holds = run.complete("check", in: workflow, branch: "false") == ["no"]; #expect(holds) }
        #expect(run.nodes["yes"]?.status == .skipped && run.nodes["after_yes"]?.status == .skipped, "the skip propagates down the branch")
        run.complete("no", in: workflow)
        #expect(run.nodes["notify"]?.status.rawValue == notify)
        if notify == "skipped" {
            #expect(run.status == .succeeded, "every node ended: skipped nodes count as ended")
        } else {
            do { let holds = run.complete("notify", in: workflow).isEmpty && run.status == .succeeded; #expect(holds) }
        }
    }

    @Test("join any fires on the first success and once only; all_settled waits for a failure that continues on error")
    func anyAndSettled() {
        var workflow = Self.diamond
        workflow.nodes[3].join = .any
        var run = Run(id: "r", workflow: workflow)
        run.start(workflow)
        run.complete("fetch", in: workflow)
        do { let holds = run.complete("translate", in: workflow) == ["post"]; #expect(holds) }
        do { let holds = run.complete("summarise", in: workflow).isEmpty; #expect(holds, "any fires once") }

        workflow.nodes[3].join = .allSettled
        workflow.nodes[1].continueOnError = true
        var settled = Run(id: "s", workflow: workflow)
        settled.start(workflow)
        settled.complete("fetch", in: workflow)
        do { let holds = settled.claim("summarise", attempt: 1); #expect(holds) }
        settled.fail("summarise", attempt: 1, error: "quota", in: workflow)
        #expect(settled.status == .running && settled.nodes["summarise"]?.status == .failed, "continue_on_error keeps the run going")
        #expect(settled.nodes["post"]?.status == .waiting, "all_settled waits for translate")
        do { let holds = settled.complete("translate", in: workflow) == ["post"]; #expect(holds) }
        settled.complete("post", in: workflow)
        #expect(settled.status == .succeeded)

        workflow.nodes[3].join = nil
        var strict = Run(id: "t", workflow: workflow)
        strict.start(workflow)
        strict.complete("fetch", in: workflow)
        do { let holds = strict.claim("summarise", attempt: 1); #expect(holds) }
        strict.fail("summarise", attempt: 1, error: "quota", in: workflow)
        #expect(strict.nodes["post"]?.status == .skipped, "join all: a failed predecessor skips the node")
    }

    @Test("a rerun keeps what succeeded and is defined the same, and what only such nodes fed; a changed node and all below it run again")
    func rerunKeeps() {
        let workflow = Self.diamond
        var first = Run(id: "r1", workflow: workflow, inputs: .object(["city": .string("Brest")]))
        first.start(workflow)
        first.complete("fetch", in: workflow, output: .string("page"))
        first.complete("summarise", in: workflow, output: .string("short"))
        _ = first.claim("translate", attempt: 1)
        first.fail("translate", attempt: 1, error: "quota", in: workflow)
        #expect(first.status == .failed && first.nodes["post"]?.status == .canceled)

        var same = Run(id: "r2", rerunning: first, ran: workflow, on: workflow)
        #expect(same.rerunOf == "r1" && same.inputs == first.inputs && same.reusedNodes == ["fetch", "summarise"])
        #expect(same.nodes["summarise"]?.output == .string("short") && same.nodes["translate"]?.status == .waiting)
        same.start(workflow)
        #expect(same.queuedNodes == ["translate"], "only the failed node runs; post waits for it")

        // A changed config below fetch: summarise (changed) and post (below it) run again; fetch is kept.
        var changed = workflow
        changed.nodes[1].config = ["words": .int(50)]
        changed.version = 2
        var fixed = Run(id: "r3", rerunning: first, ran: workflow, on: changed)
        #expect(fixed.reusedNodes == ["fetch"] && fixed.workflowVersion == 2)
        fixed.start(changed)
        #expect(fixed.queuedNodes == ["summarise", "translate"])

        // A new edge into summarise: its inputs may differ, so it runs again too.
        var rewired = workflow
        rewired.nodes.append(.init(id: "weather", type: "http_request"))
        rewired.edges.append(.init(from: "weather", to: "summarise"))
        #expect(Run(id: "r4", rerunning: first, ran: workflow, on: rewired).reusedNodes == ["fetch"])
    }

    @Test("an awaiting node holds the run until a person decides: then the chosen branch runs and the other is skipped; a second decision, or one on a canceled run, changes nothing")
    func decision() {
        let workflow = Workflow(id: "w", tenant: "acme", name: "w", nodes: [
            .init(id: "start", type: "trigger"), .init(id: "ask", type: "approval"),
            .init(id: "ship", type: "transform"), .init(id: "refund", type: "transform"),
        ], edges: [.init(from: "start", to: "ask"), .init(from: "ask", to: "ship", branch: "approved"), .init(from: "ask", to: "refund", branch: "rejected")])
        var run = Run(id: "r", workflow: workflow)
        run.start(workflow)
        _ = run.complete("start", in: workflow)
        do { let holds = run.claim("ask", attempt: 1) && run.suspend("ask", attempt: 1, output: .object(["message": .string("ship?")])); #expect(holds) }
        #expect(run.nodes["ask"]?.status == .awaiting && run.status == .running && !run.nodes["ask"]!.status.isFinished)
        do { let holds = !run.claim("ask", attempt: 1); #expect(holds, "a redelivered message does not run an awaiting node again") }
        run.sent(run.outbox)
        do { let holds = run.decide("ask", approved: true, output: .object(["approved": .bool(true)]), in: workflow); #expect(holds) }
        #expect(run.nodes["ask"]?.status == .succeeded && run.nodes["ask"]?.branch == "approved")
        #expect(run.queuedNodes == ["ship"] && run.nodes["refund"]?.status == .skipped)
        do { let holds = !run.decide("ask", approved: false, output: .null, in: workflow); #expect(holds, "decided once") }

        var other = Run(id: "r2", workflow: workflow)
        other.start(workflow)
        _ = other.complete("start", in: workflow)
        _ = other.claim("ask", attempt: 1) && other.suspend("ask", attempt: 1, output: .null)
        other.cancel()
        #expect(other.nodes["ask"]?.status == .canceled)
        do { let holds = !other.decide("ask", approved: true, output: .null, in: workflow); #expect(holds, "a canceled run takes no decision") }
    }

    @Test("a node waiting for its child run ends with it, once: success goes on, failure is retried by the node's policy; the child's end, however reached, is owed to its parent")
    func childRuns() {
        var workflow = Workflow(id: "w", tenant: "acme", name: "w", nodes: [
            .init(id: "start", type: "trigger"), .init(id: "sub", type: "sub_workflow"), .init(id: "after", type: "transform"),
        ], edges: [.init(from: "start", to: "sub"), .init(from: "sub", to: "after")])
        workflow.nodes[1].retry = .init(maxAttempts: 2, backoffSeconds: 1)
        var run = Run(id: "r", workflow: workflow)
        run.start(workflow)
        _ = run.complete("start", in: workflow)
        _ = run.claim("sub", attempt: 1)
        do { let holds = run.suspend("sub", attempt: 1, output: nil, childRun: "c1"); #expect(holds) }
        #expect(run.nodes["sub"]?.status == .awaiting && run.nodes["sub"]?.childRun == "c1")
        do { let holds = run.childEnded("sub", attempt: 1, child: "c1", output: nil, error: "child failed", retryable: true, in: workflow); #expect(holds) }
        #expect(run.nodes["sub"]?.status == .queued && run.nodes["sub"]?.attempt == 2, "retried as an attempt would be")
        do { let holds = !run.childEnded("sub", attempt: 1, child: "c1", output: .null, error: nil, retryable: true, in: workflow); #expect(holds, "the same news twice") }
        run.sent(run.outbox)
        // The second child ends before its node's wait is written: the news is taken while the node runs.
        _ = run.claim("sub", attempt: 2)
        do { let holds = run.childEnded("sub", attempt: 2, child: "c2", output: .object(["nodes": .object([:])]), error: nil, retryable: true, in: workflow); #expect(holds) }
        #expect(run.nodes["sub"]?.status == .succeeded && run.nodes["sub"]?.childRun == "c2" && run.queuedNodes == ["after"])
        do { let holds = !run.suspend("sub", attempt: 2, output: nil, childRun: "c2"); #expect(holds, "the late wait changes nothing") }
        #expect(run.parentPending == nil, "a run without a parent owes nothing")

        var child = Run(id: "c2", workflow: TestWorkflows.diamond)
        child.parent = Run.Parent(run: "r", node: "sub", attempt: 2, depth: 1)
        child.start(TestWorkflows.diamond)
        for node in ["fetch", "summarise", "translate", "post"] { _ = child.complete(node, in: TestWorkflows.diamond) }
        #expect(child.status == .succeeded && child.parentPending == true)
        var canceled = Run(id: "c3", workflow: TestWorkflows.diamond)
        canceled.parent = child.parent
        canceled.cancel()
        #expect(canceled.parentPending == true)
    }

    @Test("a step reads only the nodes it touches: a branch of a 1 → 300 → 1 fan-out ending reads itself and the join, and the join is queued once, by the last")
    func stepsReadWhatTheyTouch() {
        let width = 300
        let branches = (0..<width).map { "b\($0)" }
        let workflow = Workflow(id: "fan", tenant: "acme", name: "fan",
                                nodes: [.init(id: "root", type: "noop")] + branches.map { .init(id: $0, type: "noop") } + [.init(id: "join", type: "noop")],
                                edges: branches.flatMap { [Workflow.Edge(from: "root", to: $0), Workflow.Edge(from: $0, to: "join")] })
        var stored = Run(id: "r", workflow: workflow)
        stored.start(workflow)
        stored.complete("root", in: workflow)
        #expect(stored.queuedNodes.count == width && stored.openNodes == width + 1)
        var queuedJoin = 0
        for branch in branches {
            var header = stored
            header.nodes = [:]
            let nodes = stored.nodes
            var reads: [String] = []
            var draft = RunDraft(run: header, read: { id in reads.append(id); return nodes[id] }, readAll: { Issue.record("read whole"); return nodes })
            let queued = draft.complete(branch, in: workflow)
            #expect(reads == [branch, "join"], "\(branch)")
            queuedJoin += queued.filter { $0 == "join" }.count
            let after = draft.run
            for id in draft.changedNodes { stored.nodes[id] = after.nodes[id] }
            (stored.status, stored.openNodes, stored.outbox) = (after.status, after.openNodes, after.outbox)
        }
        #expect(queuedJoin == 1 && stored.nodes["join"]?.status == .queued && stored.nodes["join"]?.tally == Run.Tally(taken: width))
        #expect(stored.complete("join", in: workflow).isEmpty && stored.status == .succeeded && stored.openNodes == 0)
    }
}
