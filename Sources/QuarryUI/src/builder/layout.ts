import type { Point } from "./graph";

interface Edge {
  from: string;
  to: string;
}

/**
 * A layered (Sugiyama-style) layout, left to right: each node in the layer of its longest path
 * from a start, then each layer ordered by the mean place of its neighbours, sweeping down and up
 * a few times to undo crossings, then spaced on a grid. Enough for workflows of hundreds of
 * nodes; the graph is a DAG (the server refuses cycles), and a cycle here still ends.
 */
export function layeredLayout(ids: string[], edges: Edge[], spacing: Point = { x: 260, y: 110 }): Record<string, Point> {
  const layers = assignLayers(ids, edges);
  const order = orderLayers(layers, edges);
  const tallest = Math.max(1, ...order.map((layer) => layer.length));
  const positions: Record<string, Point> = {};
  order.forEach((layer, column) => {
    const offset = ((tallest - layer.length) * spacing.y) / 2;
    layer.forEach((id, row) => {
      positions[id] = { x: column * spacing.x, y: offset + row * spacing.y };
    });
  });
  return positions;
}

/** Layer of each node: 0 for a node without predecessors, else one past its furthest predecessor. */
export function assignLayers(ids: string[], edges: Edge[]): string[][] {
  const known = new Set(ids);
  const incoming = new Map(ids.map((id) => [id, 0]));
  const outgoing = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const edge of edges) {
    if (!known.has(edge.from) || !known.has(edge.to)) continue;
    incoming.set(edge.to, (incoming.get(edge.to) ?? 0) + 1);
    outgoing.get(edge.from)!.push(edge.to);
  }
  const layer = new Map<string, number>();
  const ready = ids.filter((id) => incoming.get(id) === 0);
  for (const id of ready) layer.set(id, 0);
  for (let next = 0; next < ready.length; next++) {
    const id = ready[next];
    for (const to of outgoing.get(id)!) {
      layer.set(to, Math.max(layer.get(to) ?? 0, layer.get(id)! + 1));
      incoming.set(to, incoming.get(to)! - 1);
      if (incoming.get(to) === 0) ready.push(to);
    }
  }
  // Nodes on a cycle never became ready: put them after everything else.
  const deepest = Math.max(-1, ...layer.values());
  for (const id of ids) if (!layer.has(id)) layer.set(id, deepest + 1);
  const layers: string[][] = [];
  for (const id of ids) (layers[layer.get(id)!] ??= []).push(id);
  return layers.filter((each) => each !== undefined);
}

function orderLayers(layers: string[][], edges: Edge[]): string[][] {
  const order = layers.map((layer) => [...layer]);
  const predecessors = new Map<string, string[]>();
  const successors = new Map<string, string[]>();
  for (const edge of edges) {
    (predecessors.get(edge.to) ?? predecessors.set(edge.to, []).get(edge.to)!).push(edge.from);
    (successors.get(edge.from) ?? successors.set(edge.from, []).get(edge.from)!).push(edge.to);
  }
  const sweep = (layer: string[], neighbours: Map<string, string[]>, placed: string[]) => {
    const place = new Map(placed.map((id, index) => [id, index]));
    const centre = new Map(
      layer.map((id, index) => {
        const around = (neighbours.get(id) ?? []).map((other) => place.get(other)).filter((value): value is number => value !== undefined);
        return [id, around.length ? around.reduce((sum, value) => sum + value, 0) / around.length : index];
      }),
    );
    layer.sort((a, b) => centre.get(a)! - centre.get(b)!);
  };
  let best = order.map((layer) => [...layer]);
  let fewest = crossings(best, edges);
  for (let round = 0; round < 6 && fewest > 0; round++) {
    for (let index = 1; index < order.length; index++) sweep(order[index], predecessors, order[index - 1]);
    for (let index = order.length - 2; index >= 0; index--) sweep(order[index], successors, order[index + 1]);
    const now = crossings(order, edges);
    if (now < fewest) {
      fewest = now;
      best = order.map((layer) => [...layer]);
    }
  }
  return best;
}

/** How many pairs of edges between adjacent layers cross. */
export function crossings(layers: string[][], edges: Edge[]): number {
  const where = new Map<string, [number, number]>();
  layers.forEach((layer, column) => layer.forEach((id, row) => where.set(id, [column, row])));
  const spans = edges
    .map((edge) => [where.get(edge.from), where.get(edge.to)] as const)
    .filter((pair): pair is readonly [[number, number], [number, number]] => !!pair[0] && !!pair[1] && pair[1][0] === pair[0][0] + 1);
  let count = 0;
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const [a, b] = [spans[i], spans[j]];
      if (a[0][0] !== b[0][0]) continue;
      if ((a[0][1] - b[0][1]) * (a[1][1] - b[1][1]) < 0) count++;
    }
  }
  return count;
}
