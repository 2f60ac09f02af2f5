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
        #expect(run.start(Self.diamond) == ["fetch"])
        #expect(run.start(Self.diamond).isEmpty, "starting twice queues nothing again")
        run.nodeStarted("fetch")
        #expect(run.nodes["fetch"]?.status == .running && run.nodes["fetch"]?.attempts == 1)
        #expect(run.nodeSucceeded("fetch", in: Self.diamond) == ["summarise", "translate"])
        #expect(run.nodeSucceeded("summarise", in: Self.diamond).isEmpty, "post still waits for translate")
        #expect(run.nodeSucceeded("translate", in: Self.diamond) == ["post"])
        #expect(run.nodeSucceeded("translate", in: Self.diamond).isEmpty, "a second report of the same success queues nothing")
        #expect(run.status == .running)
        #expect(run.nodeSucceeded("post", in: Self.diamond).isEmpty)
        #expect(run.status == .succeeded && run.finishedAt != nil)
    }

    @Test("a failed node fails the run and cancels what has not begun; cancel does the same without a failure")
    func failureAndCancel() {
        var run = Run(id: "r", workflow: Self.diamond)
        _ = run.start(Self.diamond)
        _ = run.nodeSucceeded("fetch", in: Self.diamond)
        run.nodeStarted("summarise")
        run.nodeFailed("summarise", error: "the model is unreachable")
        #expect(run.status == .failed && run.error == "node 'summarise' failed: the model is unreachable")
        #expect(run.nodes["translate"]?.status == .canceled && run.nodes["post"]?.status == .canceled)
        #expect(run.nodeSucceeded("translate", in: Self.diamond).isEmpty, "a finished run queues nothing")

        var canceled = Run(id: "r2", workflow: Self.diamond)
        _ = canceled.start(Self.diamond)
        canceled.cancel()
        #expect(canceled.status == .canceled && canceled.error == nil && canceled.nodes["fetch"]?.status == .canceled)
    }
}
