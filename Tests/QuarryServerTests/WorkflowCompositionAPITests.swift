import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import QuarryCore
import QuarryTestSupport
import Testing

extension WorkflowAPITests {
    static let greet = #"""
        {"id": "greet", "name": "Greet", "nodes": [
          {"id": "start", "type": "trigger"}, {"id": "shape", "type": "transform", "config": {"value": "Hello, {{ trigger.name }}"}}],
         "edges": [{"from": "start", "to": "shape"}]}
        """#

    static let greetAll = #"""
        {"id": "greet-all", "name": "Greet all", "nodes": [
          {"id": "start", "type": "trigger"},
          {"id": "each", "type": "map", "config": {"items": "{{ trigger.names }}", "parallelism": 2,
                                                   "node": {"type": "transform", "config": {"value": "{{ item }} #{{ index }}"}}}},
          {"id": "sub", "type": "sub_workflow", "config": {"workflow": "greet", "inputs": {"name": "{{ nodes.each.results[1] }}"}}}],
         "edges": [{"from": "start", "to": "each"}, {"from": "each", "to": "sub"}]}
        """#

    @Test("map and sub_workflow over HTTP: the map's outputs in order, the child run linked both ways and read like any run; per-item node types checked on save")
    func composition() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let stranger = try await Fixture.token(authority, tenant: "globex", role: .admin)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            for body in [Self.greet, Self.greetAll] {
                try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(body)) { (response) throws in
                    #expect(response.status == .created, "\(String(buffer: response.body))")
                }
            }
            let started = try await client.execute(uri: "/api/v1/workflows/greet-all/run", method: .post, headers: headers,
                                                   body: Self.json(#"{"inputs": {"names": ["ann", "bob", "cy"]}}"#))
            #expect(started.status == .accepted)
            let id = try #require(try DocumentAndQueryAPITests.json(started.body)["id"] as? String)
            try await setup.drain()
            func read(_ run: String, token: String = editor) async throws -> (HTTPResponse.Status, [String: Any], [String: [String: Any]]) {
                let response = try await client.execute(uri: "/api/v1/runs/\(run)", method: .get, headers: DocumentAndQueryAPITests.headers(token))
                let body = (try? DocumentAndQueryAPITests.json(response.body)) ?? [:]
                let nodes = (body["nodes"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0) }
                return (response.status, body, Dictionary(uniqueKeysWithValues: nodes))
            }
            let (_, run, nodes) = try await read(id)
            #expect(run["status"] as? String == "succeeded", "\(run)")
            let mapped = nodes["each"]?["output"] as? [String: Any] ?? [:]
            #expect(mapped["results"] as? [String] == ["ann #0", "bob #1", "cy #2"] && mapped["succeeded"] as? Int == 3, "\(mapped)")
            let child = try #require(nodes["sub"]?["child_run"] as? String)
            #expect((nodes["sub"]?["output"] as? [String: Any])?["run_id"] as? String == child)
            #expect(((nodes["sub"]?["output"] as? [String: Any])?["nodes"] as? [String: Any])?["shape"] as? String == "Hello, bob #1")

            let (status, childRun, childNodes) = try await read(child)
            #expect(status == .ok && childRun["parent_run"] as? String == id && childRun["parent_node"] as? String == "sub", "\(childRun)")
            #expect(childRun["workflow_id"] as? String == "greet" && childNodes["shape"]?["output"] as? String == "Hello, bob #1")
            #expect(try await read(child, token: stranger).0 == .notFound)

            let refused = Self.greetAll.replacingOccurrences(of: #""type": "transform", "config": {"value": "{{ item }} #{{ index }}"}"#,
                                                             with: #""type": "approval""#)
                .replacingOccurrences(of: #""id": "greet-all""#, with: #""id": "ask-all""#)
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(refused)) { (response) throws in
                #expect(response.status == .unprocessableContent)
                #expect(try Fixture.errorBody(response).field == "/nodes/1/config/node/type")
            }
            let badItem = #"{"name": "c", "nodes": [{"id": "m", "type": "map", "config": {"items": [1], "node": {"type": "rag_query", "config": {"query": "{{ item }}", "top_k": 500}}}}]}"#
            try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(badItem)) { (response) throws in
                #expect(response.status == .unprocessableContent)
                let error = try Fixture.errorBody(response)
                #expect(error.field == "/nodes/0/config/node/config/top_k" && error.message.contains("at most"), "\(error)")
            }
        }
    }

    @Test("an output over 256 KB: the run shows its size and URL instead, the URL answers it whole; another tenant, an unknown node: 404")
    func largeOutput() async throws {
        let authority = try await Fixture.authority()
        let editor = try await Fixture.token(authority, role: .editor)
        let stranger = try await Fixture.token(authority, tenant: "globex", role: .admin)
        let setup = try Self.setup()
        try await DocumentAndQueryAPITests.application(authority, setup.engine).test(.router) { client in
            let headers = DocumentAndQueryAPITests.headers(editor, json: true)
            let workflow = #"{"id": "copy", "name": "Copy", "nodes": [{"id": "start", "type": "trigger"}, {"id": "copy", "type": "transform", "config": {"value": "{{ trigger.text }}"}}], "edges": [{"from": "start", "to": "copy"}]}"#
            #expect(try await client.execute(uri: "/api/v1/workflows", method: .post, headers: headers, body: Self.json(workflow)).status == .created)
            let text = String(repeating: "tide ", count: 60_000)
            let started = try await client.execute(uri: "/api/v1/workflows/copy/run", method: .post, headers: headers,
                                                   body: Self.json(#"{"inputs": {"text": "\#(text)"}}"#))
            let id = try #require(try DocumentAndQueryAPITests.json(started.body)["id"] as? String)
            try await setup.drain()
            let run = try DocumentAndQueryAPITests.json(try await client.execute(uri: "/api/v1/runs/\(id)", method: .get, headers: headers).body)
            let copy = (run["nodes"] as? [[String: Any]] ?? []).first { $0["id"] as? String == "copy" } ?? [:]
            let reference = try #require(copy["output_ref"] as? [String: Any], "\(copy)")
            #expect(copy["output"] == nil && reference["bytes"] as? Int == text.utf8.count + 2)
            let url = try #require(reference["url"] as? String)
            #expect(url == "/api/v1/runs/\(id)/nodes/copy/output")
            let whole = try await client.execute(uri: url, method: .get, headers: headers)
            let wholeOutput = try DocumentAndQueryAPITests.json(whole.body)["output"] as? String
            #expect(whole.status == .ok && wholeOutput == text)
            #expect(try await client.execute(uri: url, method: .get, headers: DocumentAndQueryAPITests.headers(stranger)).status == .notFound)
            #expect(try await client.execute(uri: "/api/v1/runs/\(id)/nodes/nope/output", method: .get, headers: headers).status == .notFound)
        }
    }
}
