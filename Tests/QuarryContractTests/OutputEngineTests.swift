import Foundation
import QuarryCore
import QuarryWorkflow
import Testing

/// Outputs too large for the run document, on each deployment's back ends.
extension WorkflowEngineTests {
    @Test("an output over 256 KB is kept apart from the run and read back for templates, sub-workflow results and the API; one over the limit fails its node",
          arguments: Deployment.allCases)
    func largeOutputs(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        let big = Workflow(id: "big", tenant: "acme", name: "big", nodes: [
            .init(id: "start", type: "trigger"),
            .init(id: "big", type: "probe", config: ["size": .int(400_000)]),
            .init(id: "count", type: "probe", config: ["value": .string("attempt {{ nodes.big.attempt }}")]),
            .init(id: "echo", type: "transform", config: ["value": .string("{{ nodes.big.value }}")]),
        ], edges: [.init(from: "start", to: "big"), .init(from: "big", to: "count"), .init(from: "big", to: "echo")])
        let parent = Workflow(id: "parent", tenant: "acme", name: "parent", nodes: [
            .init(id: "start", type: "trigger"), .init(id: "sub", type: "sub_workflow", config: ["workflow": .string("big")]),
            .init(id: "after", type: "probe", config: ["value": .string("{{ nodes.sub.nodes.count.value }}")]),
        ], edges: [.init(from: "start", to: "sub"), .init(from: "sub", to: "after")])
        var huge = Self.child("huge")
        huge.nodes[1].config = ["size": .int(1_200_000)]
        for workflow in [big, parent, huge] { #expect(try await setup.store.createWorkflow(workflow)) }

        let run = await setup.finished(try await setup.engine.start(big, inputs: .object([:])))
        #expect(run.status == .succeeded, "\(run)")
        let reference = try #require(run.nodes["big"]?.outputReference)
        #expect(run.nodes["big"]?.output == nil && reference.bytes > 400_000 && reference.key == "\(run.id)/big/1")
        #expect(run.nodes["count"]?.output?.objectValue?["value"] == .string("attempt 1"), "a template reads through the reference")
        let echoed = try await setup.engine.nodeOutput(run: run.id, node: "echo", tenant: "acme")
        #expect(run.nodes["echo"]?.outputReference != nil && echoed == .string(String(repeating: "x", count: 400_000)))
        #expect(try await setup.engine.nodeOutput(run: run.id, node: "big", tenant: "acme").objectValue?["attempt"] == .int(1))
        #expect(try await setup.store.runOutput(key: reference.key, tenant: "globex") == nil, "kept per tenant")
        await #expect(throws: NotFound.self) { try await setup.engine.nodeOutput(run: run.id, node: "big", tenant: "globex") }

        let outer = await setup.finished(try await setup.engine.start(parent, inputs: .object([:])))
        #expect(outer.status == .succeeded && outer.nodes["sub"]?.outputReference != nil, "the child's outputs together are over 256 KB: \(outer)")
        #expect(outer.nodes["after"]?.output?.objectValue?["value"] == .string("attempt 1"))

        let refused = await setup.finished(try await setup.engine.start(huge, inputs: .object([:])))
        #expect(refused.status == .failed && refused.error?.hasPrefix("node 'double' failed: output of 1200") == true
            && refused.error?.hasSuffix("bytes is over the 1000000-byte limit") == true, "\(refused.error ?? "")")
    }
}

extension WorkflowEngineTests {
    @Test("what a node logs, and the error it fails with, are kept with their secrets redacted", arguments: Deployment.allCases)
    func redactedLogs(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        let workflow = Workflow(id: "leaky", tenant: "acme", name: "leaky", nodes: [
            .init(id: "start", type: "trigger"),
            .init(id: "leak", type: "probe", config: [
                "say": .string("calling https://bot:pa55word@hooks.example.com/x?token=t0k3n with Bearer abcdefgh12345678"),
                "say_data": .object(["headers": .object(["Authorization": .string("Bearer abcdefgh12345678")]), "max_tokens": .int(5)]),
                "fail_with": .string("401 from https://api.example.com/?api_key=k3y"),
            ]),
        ], edges: [.init(from: "start", to: "leak")])
        #expect(try await setup.store.createWorkflow(workflow))
        let run = await setup.finished(try await setup.engine.start(workflow, inputs: .object([:])))
        #expect(run.nodes["leak"]?.error == "401 from https://api.example.com/?api_key=[redacted]", "\(run)")
        let said = try #require(try await setup.store.runLogs(run: run.id, tenant: "acme", after: nil, limit: 100).first { $0.message.hasPrefix("calling") })
        #expect(said.message == "calling https://[redacted]@hooks.example.com/x?token=[redacted] with Bearer [redacted]")
        #expect(said.data == .object(["headers": .object(["Authorization": .string("[redacted]")]), "max_tokens": .int(5), "attempt": .int(1)]))
    }
}
