import { ancestors, Graph, JSONSchema, NodeType } from "./graph";

/**
 * The `{{ … }}` paths a node's config may name: the run's fields, the trigger's inputs, and the
 * outputs of the nodes it waits for (directly or not), as far as their types' output schemas say,
 * a few levels deep. Nodes it does not wait for are left out: the server would refuse them.
 */
export function templatePaths(graph: Graph, nodeId: string, types: ReadonlyMap<string, NodeType>, depth = 3): string[] {
  const paths = ["trigger", "run.id", "run.workflow_id", "run.workflow_version"];
  const upstream = ancestors(graph, nodeId);
  for (const node of graph.nodes) {
    if (!upstream.has(node.id)) continue;
    const base = `nodes.${node.id}`;
    paths.push(base);
    const schema = types.get(node.type)?.output_schema;
    if (schema) walk(schema, base, depth, paths);
  }
  return paths;
}

function walk(schema: JSONSchema, path: string, depth: number, into: string[]): void {
  if (depth === 0) return;
  if (schema.properties) {
    for (const [name, property] of Object.entries(schema.properties)) {
      const next = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${path}.${name}` : `${path}["${name}"]`;
      into.push(next);
      walk(property, next, depth - 1, into);
    }
  } else if (schema.items && typeof schema.items === "object") {
    const next = `${path}[0]`;
    into.push(next);
    walk(schema.items, next, depth - 1, into);
  }
}

/**
 * When the text before the caret opens a template (`… {{ nodes.as`), the part typed so far;
 * null when the caret is not inside `{{ … }}`.
 */
export function openTemplate(textBeforeCaret: string): string | null {
  const open = textBeforeCaret.lastIndexOf("{{");
  if (open < 0 || textBeforeCaret.indexOf("}}", open) >= 0) return null;
  return textBeforeCaret.slice(open + 2).trimStart();
}

/** `text` with the open template before `caret` completed as `{{ path }}`, and the caret after it. */
export function completeTemplate(text: string, caret: number, path: string): { text: string; caret: number } {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf("{{");
  let after = text.slice(caret);
  const close = after.match(/^[^{}]*\}\}/);
  if (close) after = after.slice(close[0].length);
  const inserted = `{{ ${path} }}`;
  return { text: before.slice(0, open) + inserted + after, caret: open + inserted.length };
}
