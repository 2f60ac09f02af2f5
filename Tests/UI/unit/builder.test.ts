import assert from "node:assert/strict";
import test from "node:test";
import { locate } from "../../../Sources/QuarryUI/src/builder/fieldErrors";
import { addNode, connect, fromWorkflowJSON, Graph, NodeType, refusesEdge, removeNode, renameNode, toWorkflowJSON } from "../../../Sources/QuarryUI/src/builder/graph";
import { record, redo, start, undo } from "../../../Sources/QuarryUI/src/builder/history";
import { assignLayers, crossings, layeredLayout } from "../../../Sources/QuarryUI/src/builder/layout";
import { completeTemplate, openTemplate, templatePaths } from "../../../Sources/QuarryUI/src/builder/templates";

function chain(...ids: string[]): Graph {
  let graph: Graph = { id: "w", name: "w", nodes: [], edges: [], layout: {} };
  for (const id of ids) graph = { ...graph, nodes: [...graph.nodes, { id, type: "transform", config: {} }] };
  for (let i = 1; i < ids.length; i++) graph = connect(graph, ids[i - 1], ids[i]);
  return graph;
}

test("new nodes get ids from their type that no node has", () => {
  let graph = chain();
  graph = addNode(graph, "rag_query", { x: 0, y: 0 });
  graph = addNode(graph, "rag_query", { x: 10, y: 0 });
  assert.deepEqual(graph.nodes.map((node) => node.id), ["rag_query", "rag_query_2"]);
  assert.deepEqual(graph.layout.rag_query_2, { x: 10, y: 0 });
});

test("an edge that would close a cycle, repeat one or loop on a node is refused with the reason", () => {
  const graph = chain("a", "b", "c");
  assert.match(refusesEdge(graph, "c", "a") ?? "", /cycle/);
  assert.match(refusesEdge(graph, "a", "b") ?? "", /already/);
  assert.match(refusesEdge(graph, "a", "a") ?? "", /itself/);
  assert.equal(refusesEdge(graph, "a", "c"), null);
  assert.equal(connect(graph, "c", "a"), graph);
});

test("removing a node removes its edges and its place", () => {
  const graph = removeNode(chain("a", "b", "c"), "b");
  assert.deepEqual(graph.edges, []);
  assert.deepEqual(graph.nodes.map((node) => node.id), ["a", "c"]);
});

test("renaming a node rewrites its edges and the templates that name it, and nothing that only starts like it", () => {
  let graph = chain("ask", "report");
  graph = { ...graph, nodes: graph.nodes.map((node) => (node.id === "report" ? { ...node, config: { value: { text: "{{ nodes.ask.answer.text }} / {{nodes.ask}} / {{ nodes.asker.x }}" } } } : node)) };
  const renamed = renameNode(graph, "ask", "question");
  assert.deepEqual(renamed.edges, [{ from: "question", to: "report" }]);
  assert.deepEqual(renamed.nodes[1].config, { value: { text: "{{ nodes.question.answer.text }} / {{nodes.question}} / {{ nodes.asker.x }}" } });
  assert.equal(renameNode(graph, "ask", "report"), graph, "a name in use is refused");
});

test("the export reads back as the same graph", () => {
  const graph = { ...chain("a", "b"), layout: { a: { x: 0, y: 0 }, b: { x: 260, y: 0 } } };
  assert.deepEqual(fromWorkflowJSON(JSON.parse(JSON.stringify(toWorkflowJSON(graph)))), { ...graph, schedule: undefined });
  assert.throws(() => fromWorkflowJSON({ nodes: [] }), /id, nodes and edges/);
});

test("layers follow the longest path, so a join sits after its deepest predecessor", () => {
  const edges = [
    { from: "start", to: "a" },
    { from: "a", to: "b" },
    { from: "start", to: "join" },
    { from: "b", to: "join" },
  ];
  assert.deepEqual(assignLayers(["start", "a", "b", "join"], edges), [["start"], ["a"], ["b"], ["join"]]);
});

test("ordering removes the crossings a naive order has", () => {
  // Listed so that a→y and b→x cross.
  const ids = ["a", "b", "x", "y"];
  const edges = [
    { from: "a", to: "y" },
    { from: "b", to: "x" },
  ];
  assert.equal(crossings([["a", "b"], ["x", "y"]], edges), 1);
  const positions = layeredLayout(ids, edges);
  assert.equal(Math.sign(positions.a.y - positions.b.y), Math.sign(positions.y.y - positions.x.y));
});

test("a 200-node fan-out gets 200 distinct places, and a cycle still ends", () => {
  const ids = ["root", ...Array.from({ length: 198 }, (_, i) => `n${i}`), "end"];
  const edges = ids.slice(1, -1).flatMap((id) => [
    { from: "root", to: id },
    { from: id, to: "end" },
  ]);
  const positions = layeredLayout(ids, edges);
  assert.equal(new Set(Object.values(positions).map((p) => `${p.x},${p.y}`)).size, 200);
  assert.ok(positions.end.x > positions.n0.x && positions.n0.x > positions.root.x);
  const cyclic = layeredLayout(["a", "b"], [{ from: "a", to: "b" }, { from: "b", to: "a" }]);
  assert.equal(Object.keys(cyclic).length, 2);
});

test("undo and redo walk the edits, and a new edit drops the redo", () => {
  let history = start(1);
  history = record(history, 2);
  history = record(history, 3);
  history = undo(history);
  assert.equal(history.present, 2);
  history = redo(history);
  assert.equal(history.present, 3);
  history = record(undo(undo(history)), 9);
  assert.deepEqual([history.past, history.present, history.future], [[1], 9, []]);
  assert.equal(undo(start(5)).present, 5);
});

test("the server's pointers land on the node and field they name", () => {
  const ids = ["start", "ask"];
  assert.deepEqual(locate("/nodes/1/config/top_k", "too big", ids, []), { node: "ask", field: "config/top_k", message: "too big" });
  assert.deepEqual(locate("/edges/0/to", "no such node", ids, [{ from: "start", to: "gone" }]), { node: "gone", field: "", message: "no such node" });
  assert.deepEqual(locate("/name", "empty", ids, []), { node: null, field: "name", message: "empty" });
});

test("templates offer the upstream nodes' outputs only, from their output schemas", () => {
  const types = new Map<string, NodeType>([
    ["transform", { name: "transform", queue: "default", summary: "", config_schema: {}, output_schema: {} }],
    [
      "rag_query",
      {
        name: "rag_query",
        queue: "ai",
        summary: "",
        config_schema: {},
        output_schema: { type: "object", properties: { answer: { type: "object", properties: { text: { type: "string" } } }, citations: { type: "array", items: { type: "object", properties: { page: { type: "integer" } } } } } },
      },
    ],
  ]);
  let graph = chain("start", "report", "other");
  graph = { ...graph, nodes: [...graph.nodes, { id: "ask", type: "rag_query", config: {} }], edges: [...graph.edges, { from: "ask", to: "report" }] };
  const paths = templatePaths(graph, "report", types);
  for (const path of ["trigger", "nodes.start", "nodes.ask.answer.text", "nodes.ask.citations[0].page"]) assert.ok(paths.includes(path), path);
  assert.ok(!paths.some((path) => path.startsWith("nodes.other") || path.startsWith("nodes.report")));
});

test("an open template is found before the caret and completed in place", () => {
  assert.equal(openTemplate("Answer: {{ nodes.as"), "nodes.as");
  assert.equal(openTemplate("Answer: {{ nodes.ask }} and"), null);
  assert.deepEqual(completeTemplate("Hi {{ nod }} there", 9, "nodes.ask.answer.text"), { text: "Hi {{ nodes.ask.answer.text }} there", caret: 30 });
});

test("the eval plot puts runs in the order written, one line per data set and mode, nDCG 1 at the top", async () => {
  const { plotSeries } = await import("../../../Sources/QuarryUI/src/pages/evalPlot");
  const runs = [
    { name: "b", dataset: "scifact", mode: "hybrid", written_at: "2026-12-02T00:00:00Z", value: 0.7 },
    { name: "a", dataset: "scifact", mode: "dense", written_at: "2026-12-01T00:00:00Z", value: 0.6 },
    { name: "c", dataset: "scifact", mode: "hybrid", written_at: "2026-12-03T00:00:00Z", value: 1 },
  ];
  const series = plotSeries(runs, 300, 100, 10);
  assert.deepEqual(series.map((line) => line.key), ["scifact · dense", "scifact · hybrid"]);
  assert.deepEqual(series[1].points.map((point) => [point.x, point.y]), [[150, 10 + 0.3 * 80], [290, 10]]);
  assert.deepEqual(series[0].points.map((point) => point.x), [10]);
});
