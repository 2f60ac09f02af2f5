/**
 * Where the server's 422 points (`/nodes/2/config/top_k`, `/edges/0/to`) in builder terms: the
 * node it names and the field inside it, so that the message shows on that field.
 */
export interface FieldError {
  node: string | null;
  /** Inside the node: `config/top_k`, `retry/max_attempts`; "" for the node as a whole. */
  field: string;
  message: string;
}

export function locate(pointer: string | null, message: string, nodeIds: string[], edges: { from: string; to: string }[]): FieldError {
  const parts = (pointer ?? "").split("/").slice(1).map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (parts[0] === "nodes" && parts.length >= 2) {
    const index = Number(parts[1]);
    const node = Number.isInteger(index) ? nodeIds[index] ?? null : null;
    return { node, field: parts.slice(2).join("/"), message };
  }
  if (parts[0] === "edges" && parts.length >= 2) {
    const edge = edges[Number(parts[1])];
    return { node: edge ? (parts[2] === "from" ? edge.from : edge.to) : null, field: "", message };
  }
  return { node: null, field: parts.join("/"), message };
}
