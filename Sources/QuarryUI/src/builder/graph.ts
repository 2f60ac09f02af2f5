// A workflow as the builder edits it: the API's JSON (Docs/WORKFLOWS.md), plus where each node
// is drawn (`layout`, which the server keeps with the version and runs ignore).

export interface RetryPolicy {
  max_attempts: number;
  backoff_seconds?: number;
  max_backoff_seconds?: number;
}

export interface WorkflowNode {
  id: string;
  type: string;
  config: Record<string, unknown>;
  retry?: RetryPolicy | null;
  timeout_seconds?: number | null;
  continue_on_error?: boolean | null;
  join?: "all" | "any" | "all_settled" | null;
}

export interface WorkflowEdge {
  from: string;
  to: string;
  branch?: string | null;
}

export interface Point {
  x: number;
  y: number;
}

export interface Graph {
  id: string;
  name: string;
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
  schedule?: unknown;
  layout: Record<string, Point>;
}

export interface NodeType {
  name: string;
  queue: string;
  summary: string;
  config_schema: JSONSchema;
  output_schema: JSONSchema;
}

export interface JSONSchema {
  type?: string | string[];
  description?: string;
  title?: string;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  items?: JSONSchema;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  anyOf?: JSONSchema[];
  oneOf?: JSONSchema[];
  additionalProperties?: boolean | JSONSchema;
}

/** A node id made from its type that no node of `graph` has: `rag_query`, `rag_query_2`, … */
export function freshId(graph: Graph, type: string): string {
  const taken = new Set(graph.nodes.map((node) => node.id));
  const stem = type.replace(/[^A-Za-z0-9_-]/g, "_") || "node";
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) if (!taken.has(`${stem}_${n}`)) return `${stem}_${n}`;
}

export function addNode(graph: Graph, type: string, at: Point): Graph {
  const id = freshId(graph, type);
  return { ...graph, nodes: [...graph.nodes, { id, type, config: {} }], layout: { ...graph.layout, [id]: at } };
}

export function removeNode(graph: Graph, id: string): Graph {
  const layout = { ...graph.layout };
  delete layout[id];
  return {
    ...graph,
    nodes: graph.nodes.filter((node) => node.id !== id),
    edges: graph.edges.filter((edge) => edge.from !== id && edge.to !== id),
    layout,
  };
}

/** The nodes reached from `start` along the edges (`forward`) or against them, `start` excluded. */
function reachable(graph: Graph, start: string, forward: boolean): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const id = stack.pop()!;
    for (const edge of graph.edges) {
      const [near, far] = forward ? [edge.from, edge.to] : [edge.to, edge.from];
      if (near === id && !seen.has(far)) {
        seen.add(far);
        stack.push(far);
      }
    }
  }
  return seen;
}

/** Every node `from` leads to, `from` excluded. */
export function descendants(graph: Graph, from: string): Set<string> {
  return reachable(graph, from, true);
}

/** Every node that leads to `to`, `to` excluded: the nodes whose outputs its templates may name. */
export function ancestors(graph: Graph, to: string): Set<string> {
  return reachable(graph, to, false);
}

/** Why `from → to` cannot be added, or null when it can. */
export function refusesEdge(graph: Graph, from: string, to: string): string | null {
  if (from === to) return "a node cannot wait for itself";
  if (graph.edges.some((edge) => edge.from === from && edge.to === to)) return `${from} → ${to} is already there`;
  if (descendants(graph, to).has(from)) return `${to} already leads to ${from}: the edge would make a cycle`;
  return null;
}

export function connect(graph: Graph, from: string, to: string, branch: string | null = null): Graph {
  if (refusesEdge(graph, from, to)) return graph;
  const edge: WorkflowEdge = branch ? { from, to, branch } : { from, to };
  return { ...graph, edges: [...graph.edges, edge] };
}

export function disconnect(graph: Graph, edge: WorkflowEdge): Graph {
  return { ...graph, edges: graph.edges.filter((each) => !(each.from === edge.from && each.to === edge.to)) };
}

/** Renames a node, with its edges, its place, and the templates of other nodes that name it. */
export function renameNode(graph: Graph, from: string, to: string): Graph {
  if (from === to || graph.nodes.some((node) => node.id === to)) return graph;
  const pattern = new RegExp(`(\\{\\{\\s*nodes\\.)${from.replace(/[-]/g, "\\-")}(?=[.\\[\\s}])`, "g");
  const rewrite = (value: unknown): unknown => {
    if (typeof value === "string") return value.replace(pattern, `$1${to}`);
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, each]) => [key, rewrite(each)]));
    return value;
  };
  const layout = { ...graph.layout, [to]: graph.layout[from] };
  delete layout[from];
  return {
    ...graph,
    nodes: graph.nodes.map((node) => ({ ...(node.id === from ? { ...node, id: to } : node), config: rewrite(node.config) as Record<string, unknown> })),
    edges: graph.edges.map((edge) => ({ ...edge, from: edge.from === from ? to : edge.from, to: edge.to === from ? to : edge.to })),
    layout,
  };
}

export function updateNode(graph: Graph, id: string, change: Partial<WorkflowNode>): Graph {
  return { ...graph, nodes: graph.nodes.map((node) => (node.id === id ? { ...node, ...change } : node)) };
}

/** The body `POST /api/v1/workflows` and `PUT …/{id}` take (and `GET` answers): the export. */
export function toWorkflowJSON(graph: Graph): Record<string, unknown> {
  const body: Record<string, unknown> = { id: graph.id, name: graph.name, nodes: graph.nodes, edges: graph.edges, layout: graph.layout };
  if (graph.schedule) body.schedule = graph.schedule;
  return body;
}

/** Reads the API's (or an imported file's) JSON, refusing what is not a workflow. */
export function fromWorkflowJSON(value: unknown): Graph {
  if (!value || typeof value !== "object") throw new Error("a workflow is a JSON object");
  const body = value as Record<string, unknown>;
  if (typeof body.id !== "string" || !Array.isArray(body.nodes) || !Array.isArray(body.edges)) {
    throw new Error("a workflow has an id, nodes and edges");
  }
  const layout = body.layout && typeof body.layout === "object" ? (body.layout as Record<string, Point>) : {};
  return {
    id: body.id,
    name: typeof body.name === "string" ? body.name : body.id,
    nodes: body.nodes as WorkflowNode[],
    edges: body.edges as WorkflowEdge[],
    schedule: body.schedule ?? undefined,
    layout,
  };
}
