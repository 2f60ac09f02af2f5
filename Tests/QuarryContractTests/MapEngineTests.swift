import Foundation
import QuarryCore
import QuarryWorkflow
import Testing

/// `map` on each deployment's back ends, with real workers.
extension WorkflowEngineTests {
    /// trigger → map over the trigger's `items`, a probe per item → probe `after` reading the map's output.
    static func mapping(_ id: String = "each", item: [String: JSONValue], parallelism: Int = 3, continueOnError: Bool? = nil) -> Workflow {
        var map: [String: JSONValue] = ["items": .string("{{ trigger.items }}"), "parallelism": .int(Int64(parallelism)),
                                        "node": .object(["type": .string("probe"), "config": .object(item)])]
        if let continueOnError { map["continue_on_error"] = .bool(continueOnError) }
        return Workflow(id: id, tenant: "acme", name: id, nodes: [
            .init(id: "start", type: "trigger"), .init(id: "each", type: "map", config: map),
            .init(id: "after", type: "probe", config: ["value": .string("{{ nodes.each.succeeded }} of {{ nodes.each.count }}")]),
        ], edges: [.init(from: "start", to: "each"), .init(from: "each", to: "after")])
    }

    @Test("map: one node per item with item and index in its templates, outputs in the list's order, never more than the parallelism at once",
          arguments: Deployment.allCases)
    func map(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        let workflow = Self.mapping(item: ["value": .string("{{ item.name }}#{{ index }}"), "track": .bool(true)])
        try setup.engine.check(workflow)
        #expect(try await setup.store.createWorkflow(workflow))
        let names = (0..<12).map { "item\($0)" }
        let run = try await setup.engine.start(workflow, inputs: .object(["items": .array(names.map { .object(["name": .string($0)]) })]))
        let done = await setup.finished(run)
        #expect(done.status == .succeeded, "\(done)")
        let output = try #require(done.nodes["each"]?.output?.objectValue)
        #expect(output["count"] == .int(12) && output["succeeded"] == .int(12) && output["failed"] == .int(0))
        guard case .array(let results) = output["results"] else { Issue.record("no results: \(output)"); return }
        let values: [JSONValue?] = results.map { $0.objectValue?["value"] }
        let expected: [JSONValue?] = names.enumerated().map { JSONValue.string("\($1)#\($0)") }
        #expect(values == expected)
        #expect((2...3).contains(setup.effects.mostAtOnce), "at most 3 at once, and more than one: \(setup.effects.mostAtOnce)")
        #expect(setup.effects.count(run.id, "each[11]") == 1 && setup.effects.count(run.id, "each[0]") == 1)
        #expect(done.nodes["after"]?.output?.objectValue?["value"] == .string("12 of 12"))
    }

    @Test("map: a failing item (its retries spent) fails the map and starts no more; with continue_on_error the map ends and lists it; a template error names its path",
          arguments: Deployment.allCases)
    func mapFailures(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        let items: JSONValue = .array((0..<40).map { .object(["v": .int(Int64($0)), "fail": .int($0 == 1 ? 9 : 0)]) })
        let strict = Self.mapping("strict", item: ["value": .string("{{ item.v }}"), "fail": .string("{{ item.fail }}")], parallelism: 2)
        let lenient = Self.mapping("lenient", item: ["value": .string("{{ item.v }}"), "fail": .string("{{ item.fail }}")], continueOnError: true)
        let typo = Self.mapping("typo", item: ["value": .string("{{ item.w }}")], parallelism: 1)
        for workflow in [strict, lenient, typo] { #expect(try await setup.store.createWorkflow(workflow)) }

        let stopped = await setup.finished(try await setup.engine.start(strict, inputs: .object(["items": items])))
        #expect(stopped.status == .failed && stopped.error == "node 'each' failed: item 1 failed: probe failed on attempt 1", "\(stopped)")
        #expect(setup.effects.count(stopped.id, "each[39]") == 0, "no item started after the failure")

        let lenientRun = await setup.finished(try await setup.engine.start(lenient, inputs: .object(["items": items])))
        let output = try #require(lenientRun.nodes["each"]?.output?.objectValue)
        #expect(lenientRun.status == .succeeded && output["succeeded"] == .int(39) && output["failed"] == .int(1), "\(lenientRun)")
        #expect(output["errors"] == .array([.object(["index": .int(1), "error": .string("probe failed on attempt 1")])]))
        #expect(lenientRun.nodes["after"]?.output?.objectValue?["value"] == .string("39 of 40"))

        let typoRun = await setup.finished(try await setup.engine.start(typo, inputs: .object(["items": items])))
        #expect(typoRun.error == "node 'each' failed: item 0 failed: template {{ item.w }}: 'item' has no 'w' (it has: fail, v)", "\(typoRun)")
        #expect(typoRun.nodes["each"]?.attempt == 1)
    }

    @Test("map: a node type that cannot run per item, and an item config that breaks its type's schema, are refused when the workflow is saved")
    func mapCheck() throws {
        let setup = try Self.setup(.embedded)
        var approval = Self.mapping(item: [:])
        approval.nodes[1].config["node"] = .object(["type": .string("approval")])
        #expect(throws: InvalidField.self) { try setup.engine.check(approval) }
        do { try setup.engine.check(approval) } catch { #expect(error.field == "/nodes/1/config/node/type") }
        let wrong = Self.mapping(item: ["sleep": .string("{{ item.s }}"), "value": .object([:])])
        #expect(throws: Never.self) { try setup.engine.check(wrong) }
        var http = Self.mapping(item: [:])
        http.nodes[1].config["node"] = .object(["type": .string("http_request"), "config": .object(["method": .string("FETCH"), "url": .string("{{ item }}")])])
        do {
            try setup.engine.check(http)
            Issue.record("a method that is none was taken")
        } catch { #expect(error.field == "/nodes/1/config/node/config/method") }
    }

    @Test("map: a list inside an output kept apart is read a piece at a time, items in order; a path there that is no list fails the map naming it",
          arguments: Deployment.allCases)
    func mapStreamed(deployment: Deployment) async throws {
        let setup = try Self.setup(deployment)
        func workflow(_ id: String, items: String) -> Workflow {
            Workflow(id: id, tenant: "acme", name: id, nodes: [
                .init(id: "start", type: "trigger"), .init(id: "rows", type: "probe", config: ["rows": .string("{{ trigger.rows }}")]),
                .init(id: "each", type: "map", config: ["items": .string(items), "parallelism": .int(8),
                                                        "node": .object(["type": .string("probe"), "config": .object(["value": .string("{{ item.i }}"), "quiet": .bool(true)])])]),
                .init(id: "after", type: "probe", config: ["value": .string("{{ nodes.each.succeeded }} of {{ nodes.each.count }}")]),
            ], edges: [.init(from: "start", to: "rows"), .init(from: "rows", to: "each"), .init(from: "each", to: "after")])
        }
        let streamed = workflow("streamed", items: "{{ nodes.rows.value.rows }}")
        let notAList = workflow("not-a-list", items: "{{ nodes.rows.value.count }}")
        for workflow in [streamed, notAList] { #expect(try await setup.store.createWorkflow(workflow)) }
        let rows = 2_400

        let run = await setup.finished(try await setup.engine.start(streamed, inputs: .object(["rows": .int(Int64(rows))])))
        #expect(run.status == .succeeded, "\(run)")
        let kept = try #require(run.nodes["rows"]?.outputReference, "the list's output is large enough to be kept apart")
        #expect(kept.bytes > 2 * ListItems.pieceBytes, "read in more than two pieces")
        let logs = try await setup.store.runLogs(run: run.id, tenant: "acme", after: nil, limit: 100)
        #expect(logs.contains { $0.node == "each" && $0.message.contains("read from an output of \(kept.bytes) bytes kept apart") }, "\(logs.map(\.message))")
        let state = try #require(run.nodes["each"])
        let output = try #require(try await setup.engine.output(of: state, tenant: "acme")?.objectValue)
        #expect(output["count"] == .int(Int64(rows)) && output["succeeded"] == .int(Int64(rows)))
        guard case .array(let results) = output["results"] else { Issue.record("no results"); return }
        #expect(results.map { $0.objectValue?["value"] } == (0..<rows).map { .int(Int64($0)) }, "each item's output, in the list's order")
        #expect(run.nodes["after"]?.output?.objectValue?["value"] == .string("\(rows) of \(rows)"))

        let failed = await setup.finished(try await setup.engine.start(notAList, inputs: .object(["rows": .int(Int64(rows))])))
        #expect(failed.status == .failed && failed.error == "node 'each' failed: template {{ nodes.rows.value.count }}: 'value.count' is a number, not a list",
                "\(failed)")
        #expect(failed.nodes["each"]?.attempt == 1, "not retried")
    }
}
