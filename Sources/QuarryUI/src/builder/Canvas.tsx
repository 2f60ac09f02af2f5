import { KeyboardEvent, PointerEvent, useEffect, useLayoutEffect, useRef, useState, WheelEvent } from "react";
import type { Graph, Point, WorkflowEdge } from "./graph";

export const nodeWidth = 190;
export const nodeHeight = 58;

/** What is selected on the canvas: a node by id, or an edge. */
export type Selection = { node: string } | { edge: WorkflowEdge } | null;

interface View {
  x: number;
  y: number;
  zoom: number;
}

interface Props {
  graph: Graph;
  selection: Selection;
  onSelect: (selection: Selection) => void;
  /** A node dragged to a new place; `done` once the pointer is let go (one undo step). */
  onMove: (id: string, at: Point, done: boolean) => void;
  onConnect: (from: string, to: string) => void;
  /** Node statuses of the run being watched, by node id. */
  statuses: Record<string, string>;
  /** Nodes the server's validation named. */
  invalid: Set<string>;
  summaries: Record<string, string>;
  /** Set by the builder to place nodes dropped from the palette: pixels on screen → canvas units. */
  toWorld: { current: ((clientX: number, clientY: number) => Point | null) | null };
  /** Asks the canvas to frame every node (after an auto-layout or a load). */
  fitRequest: number;
}

/**
 * The graph drawn on a plane that pans (drag the background) and zooms (wheel, or + and −).
 * Panning and zooming change one CSS transform, outside React, so a large graph stays smooth.
 */
export function Canvas({ graph, selection, onSelect, onMove, onConnect, statuses, invalid, summaries, toWorld, fitRequest }: Props) {
  const frame = useRef<HTMLDivElement>(null);
  const world = useRef<HTMLDivElement>(null);
  const view = useRef<View>({ x: 40, y: 40, zoom: 1 });
  const [zoomShown, setZoomShown] = useState(1);
  const gesture = useRef<
    | { kind: "pan"; startX: number; startY: number; from: View }
    | { kind: "move"; id: string; startX: number; startY: number; from: Point; moved: boolean }
    | { kind: "connect"; from: string }
    | null
  >(null);
  const [draft, setDraft] = useState<{ from: Point; to: Point } | null>(null);

  const apply = () => {
    const { x, y, zoom } = view.current;
    if (world.current) world.current.style.transform = `translate(${x}px, ${y}px) scale(${zoom})`;
  };
  useLayoutEffect(apply);

  const worldPoint = (clientX: number, clientY: number): Point | null => {
    const box = frame.current?.getBoundingClientRect();
    if (!box || clientX < box.left || clientX > box.right || clientY < box.top || clientY > box.bottom) return null;
    const { x, y, zoom } = view.current;
    return { x: (clientX - box.left - x) / zoom, y: (clientY - box.top - y) / zoom };
  };
  toWorld.current = worldPoint;

  const zoomBy = (factor: number, clientX?: number, clientY?: number) => {
    const box = frame.current?.getBoundingClientRect();
    if (!box) return;
    const { x, y, zoom } = view.current;
    const next = Math.min(2.5, Math.max(0.1, zoom * factor));
    const px = (clientX ?? box.left + box.width / 2) - box.left;
    const py = (clientY ?? box.top + box.height / 2) - box.top;
    view.current = { zoom: next, x: px - ((px - x) * next) / zoom, y: py - ((py - y) * next) / zoom };
    apply();
    setZoomShown(next);
  };

  const fit = () => {
    const box = frame.current?.getBoundingClientRect();
    const places = Object.values(graph.layout);
    if (!box || places.length === 0) return;
    const minX = Math.min(...places.map((p) => p.x)), maxX = Math.max(...places.map((p) => p.x)) + nodeWidth;
    const minY = Math.min(...places.map((p) => p.y)), maxY = Math.max(...places.map((p) => p.y)) + nodeHeight;
    const zoom = Math.min(1, Math.max(0.1, Math.min((box.width - 80) / (maxX - minX), (box.height - 80) / (maxY - minY))));
    view.current = { zoom, x: (box.width - (maxX - minX) * zoom) / 2 - minX * zoom, y: (box.height - (maxY - minY) * zoom) / 2 - minY * zoom };
    apply();
    setZoomShown(zoom);
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(fit, [fitRequest]);

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    const target = event.target as HTMLElement;
    const port = target.closest<HTMLElement>("[data-port-out]");
    const node = target.closest<HTMLElement>("[data-node]");
    try {
      frame.current?.setPointerCapture(event.pointerId);
    } catch {
      // a pointer the browser does not track (a synthetic event): the gesture works without capture
    }
    if (port) {
      const from = port.dataset.portOut!;
      const at = graph.layout[from] ?? { x: 0, y: 0 };
      gesture.current = { kind: "connect", from };
      setDraft({ from: { x: at.x + nodeWidth, y: at.y + nodeHeight / 2 }, to: worldPoint(event.clientX, event.clientY) ?? at });
    } else if (node) {
      const id = node.dataset.node!;
      onSelect({ node: id });
      gesture.current = { kind: "move", id, startX: event.clientX, startY: event.clientY, from: graph.layout[id] ?? { x: 0, y: 0 }, moved: false };
    } else if (!target.closest("[data-edge]")) {
      onSelect(null);
      gesture.current = { kind: "pan", startX: event.clientX, startY: event.clientY, from: { ...view.current } };
    }
  };

  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const current = gesture.current;
    if (!current) return;
    if (current.kind === "pan") {
      view.current = { ...current.from, x: current.from.x + event.clientX - current.startX, y: current.from.y + event.clientY - current.startY };
      apply();
    } else if (current.kind === "move") {
      const dx = (event.clientX - current.startX) / view.current.zoom, dy = (event.clientY - current.startY) / view.current.zoom;
      if (!current.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
      current.moved = true;
      onMove(current.id, { x: Math.round(current.from.x + dx), y: Math.round(current.from.y + dy) }, false);
    } else {
      const to = worldPoint(event.clientX, event.clientY);
      if (to) setDraft((d) => d && { ...d, to });
    }
  };

  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    const current = gesture.current;
    gesture.current = null;
    if (current?.kind === "move" && current.moved) {
      const dx = (event.clientX - current.startX) / view.current.zoom, dy = (event.clientY - current.startY) / view.current.zoom;
      onMove(current.id, { x: Math.round(current.from.x + dx), y: Math.round(current.from.y + dy) }, true);
    } else if (current?.kind === "connect") {
      setDraft(null);
      // The pointer is captured by the frame: find what lies under it.
      const under = document.elementFromPoint(event.clientX, event.clientY)?.closest<HTMLElement>("[data-port-in], [data-node]");
      const to = under?.dataset.portIn ?? under?.dataset.node;
      if (to) onConnect(current.from, to);
    }
  };

  const onWheel = (event: WheelEvent<HTMLDivElement>) => {
    zoomBy(Math.exp(-event.deltaY * 0.0015), event.clientX, event.clientY);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = 60;
    const moves: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (event.target !== frame.current) return;
    if (moves[event.key]) {
      event.preventDefault();
      view.current = { ...view.current, x: view.current.x + moves[event.key][0], y: view.current.y + moves[event.key][1] };
      apply();
    } else if (event.key === "+" || event.key === "=") zoomBy(1.2);
    else if (event.key === "-") zoomBy(1 / 1.2);
  };

  const selectedNode = selection && "node" in selection ? selection.node : null;
  const selectedEdge = selection && "edge" in selection ? selection.edge : null;

  return (
    <div className="canvas-wrap">
      <div
        className="canvas"
        ref={frame}
        tabIndex={0}
        role="application"
        aria-label="Workflow canvas: drag the background to pan, the wheel or + and − to zoom, arrow keys to pan"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onWheel={onWheel}
        onKeyDown={onKeyDown}
      >
        <div className="world" ref={world}>
          <svg className="edges" width="1" height="1" aria-hidden="true">
            {graph.edges.map((edge) => {
              const a = graph.layout[edge.from], b = graph.layout[edge.to];
              if (!a || !b) return null;
              const from = { x: a.x + nodeWidth, y: a.y + nodeHeight / 2 }, to = { x: b.x, y: b.y + nodeHeight / 2 };
              const bend = Math.max(40, Math.abs(to.x - from.x) / 2);
              const path = `M ${from.x} ${from.y} C ${from.x + bend} ${from.y}, ${to.x - bend} ${to.y}, ${to.x} ${to.y}`;
              const chosen = selectedEdge?.from === edge.from && selectedEdge?.to === edge.to;
              return (
                <g key={`${edge.from}->${edge.to}`} data-edge={`${edge.from}->${edge.to}`} className={chosen ? "edge selected" : "edge"} onPointerDown={(event) => {
                  event.stopPropagation();
                  onSelect({ edge });
                }}>
                  <path d={path} className="hit" />
                  <path d={path} className="line" markerEnd="url(#arrow)" />
                  {edge.branch && (
                    <text x={(from.x + to.x) / 2} y={(from.y + to.y) / 2 - 6} className="branch">
                      {edge.branch}
                    </text>
                  )}
                </g>
              );
            })}
            {draft && <path className="draft" d={`M ${draft.from.x} ${draft.from.y} L ${draft.to.x} ${draft.to.y}`} />}
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" />
              </marker>
            </defs>
          </svg>
          {graph.nodes.map((node) => {
            const at = graph.layout[node.id] ?? { x: 0, y: 0 };
            const status = statuses[node.id];
            return (
              <div
                key={node.id}
                data-node={node.id}
                data-status={status}
                className={`node${node.id === selectedNode ? " selected" : ""}${invalid.has(node.id) ? " invalid" : ""}${status ? ` status-${status}` : ""}`}
                style={{ transform: `translate(${at.x}px, ${at.y}px)`, width: nodeWidth, height: nodeHeight }}
                title={summaries[node.type] ?? node.type}
              >
                <span className="port in" data-port-in={node.id} aria-hidden="true" />
                <button type="button" className="node-body" onClick={() => onSelect({ node: node.id })} aria-label={`${node.id}, ${node.type}${status ? `, ${status}` : ""}`}>
                  <span className="node-id">{node.id}</span>
                  <span className="node-type">{node.type}</span>
                  {status && <span className="node-status">{status}</span>}
                </button>
                <span className="port out" data-port-out={node.id} title="Drag to another node to connect" aria-hidden="true" />
              </div>
            );
          })}
        </div>
      </div>
      <div className="zoom-controls">
        <button type="button" onClick={() => zoomBy(1.2)} aria-label="Zoom in">
          +
        </button>
        <span>{Math.round(zoomShown * 100)}%</span>
        <button type="button" onClick={() => zoomBy(1 / 1.2)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={fit}>
          Fit
        </button>
      </div>
    </div>
  );
}
