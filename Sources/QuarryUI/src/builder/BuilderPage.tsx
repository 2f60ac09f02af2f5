import { KeyboardEvent as ReactKeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Api, ApiError, messageOf } from "../api/client";
import type { Me } from "../api/types";
import { ErrorBanner } from "../app/ErrorBanner";
import { time } from "../app/format";
import { canEdit } from "../app/session";
import { Canvas, nodeWidth, Selection } from "./Canvas";
import { ExchangeDialog } from "./ExchangeDialog";
import { FieldError, locate } from "./fieldErrors";
import { addNode, connect, disconnect, fromWorkflowJSON, Graph, NodeType, Point, refusesEdge, removeNode, renameNode, toWorkflowJSON, updateNode } from "./graph";
import { History, historyLimit, record, redo, start, undo } from "./history";
import { Inspector } from "./Inspector";
import { layeredLayout } from "./layout";
import { newWorkflows } from "./newWorkflows";
import { Palette } from "./Palette";
import { RunPanel } from "./RunPanel";
import { templatePaths } from "./templates";

interface Version {
  version: number;
  name: string;
  updated_at: string;
}

/** A blank workflow: one manual trigger, where every workflow starts. */
function blank(id: string, name: string): Graph {
  return { id, name, nodes: [{ id: "start", type: "trigger", config: {} }], edges: [], layout: { start: { x: 0, y: 0 } } };
}

/** Places nodes the saved workflow has no place for (made over the API), keeping the ones it has. */
function placed(graph: Graph): Graph {
  if (graph.nodes.every((node) => graph.layout[node.id])) return graph;
  const auto = layeredLayout(graph.nodes.map((node) => node.id), graph.edges);
  return { ...graph, layout: { ...auto, ...graph.layout } };
}

export function BuilderPage({ api, me, workflowId }: { api: Api; me: Me; workflowId: string }) {
  const [history, setHistory] = useState<History<Graph> | null>(null);
  const [saved, setSaved] = useState<{ graph: Graph; version: number } | null>(null);
  const [types, setTypes] = useState<Map<string, NodeType>>(new Map());
  const [selection, setSelection] = useState<Selection>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [statuses, setStatuses] = useState<Record<string, string>>({});
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [exchange, setExchange] = useState<{ mode: "export" | "import"; text: string } | null>(null);
  const [fitRequest, setFitRequest] = useState(0);
  const [dragging, setDragging] = useState<{ type: string; x: number; y: number } | null>(null);
  const toWorld = useRef<((x: number, y: number) => Point | null) | null>(null);
  const editor = canEdit(me);
  const graph = history?.present ?? null;

  useEffect(() => {
    let stale = false;
    void (async () => {
      try {
        const list = await api.json<{ node_types: NodeType[] }>("GET", "/api/v1/node-types");
        if (!stale) setTypes(new Map(list.node_types.map((type) => [type.name, type])));
        const pending = newWorkflows.get(workflowId);
        if (pending !== undefined) {
          newWorkflows.delete(workflowId);
          if (!stale) setHistory(start(blank(workflowId, pending)));
          return;
        }
        const body = await api.json<Record<string, unknown>>("GET", `/api/v1/workflows/${encodeURIComponent(workflowId)}`);
        const loaded = placed(fromWorkflowJSON(body));
        if (stale) return;
        setHistory(start(loaded));
        setSaved({ graph: loaded, version: Number(body.version) });
        setFitRequest((n) => n + 1);
      } catch (caught) {
        if (!stale) setProblem(messageOf(caught));
      }
    })();
    return () => {
      stale = true;
    };
  }, [api, workflowId]);

  const edit = useCallback((change: (graph: Graph) => Graph) => {
    setHistory((current) => (current ? record(current, change(current.present)) : current));
  }, []);

  /** A drag replaces the present state as it goes; the drop records one undo step back to where it began. */
  const dragOrigin = useRef<Graph | null>(null);
  const move = useCallback((id: string, at: Point, done: boolean) => {
    setHistory((current) => {
      if (!current) return current;
      dragOrigin.current ??= current.present;
      const next = { ...current.present, layout: { ...current.present.layout, [id]: at } };
      if (!done) return { ...current, present: next };
      const before = dragOrigin.current;
      dragOrigin.current = null;
      return { past: [...current.past, before].slice(-historyLimit), present: next, future: [] };
    });
  }, []);

  const add = useCallback(
    (type: string, at: Point | null) => {
      if (!graph) return;
      const selected = selection && "node" in selection ? selection.node : null;
      const anchor = selected ? graph.layout[selected] : null;
      const rightmost = Math.max(0, ...Object.values(graph.layout).map((point) => point.x));
      const place = at ?? (anchor ? { x: anchor.x + nodeWidth + 70, y: anchor.y } : { x: rightmost + nodeWidth + 70, y: 0 });
      let next = addNode(graph, type, { x: Math.round(place.x), y: Math.round(place.y) });
      const added = next.nodes[next.nodes.length - 1].id;
      // Added from the keyboard (no drop point) after a selected node: it follows that node.
      if (!at && selected) next = connect(next, selected, added);
      edit(() => next);
      setSelection({ node: added });
    },
    [edit, graph, selection],
  );

  // Palette items follow the pointer; letting go over the canvas adds the node there.
  useEffect(() => {
    if (!dragging) return;
    const moveGhost = (event: PointerEvent) => setDragging((d) => d && { ...d, x: event.clientX, y: event.clientY });
    const drop = (event: PointerEvent) => {
      const at = toWorld.current?.(event.clientX, event.clientY) ?? null;
      if (at) add(dragging.type, { x: at.x - nodeWidth / 2, y: at.y - 29 });
      setDragging(null);
    };
    window.addEventListener("pointermove", moveGhost);
    window.addEventListener("pointerup", drop, { once: true });
    return () => {
      window.removeEventListener("pointermove", moveGhost);
      window.removeEventListener("pointerup", drop);
    };
  }, [dragging, add]);

  const save = useCallback(async () => {
    if (!graph) return;
    setProblem(null);
    setNotice(null);
    try {
      const body = { ...toWorkflowJSON(graph), ...(saved ? { version: saved.version } : {}) };
      const answer = saved
        ? await api.json<Record<string, unknown>>("PUT", `/api/v1/workflows/${encodeURIComponent(graph.id)}`, body)
        : await api.json<Record<string, unknown>>("POST", "/api/v1/workflows", body);
      setSaved({ graph, version: Number(answer.version) });
      setErrors([]);
      setNotice(`Saved as version ${answer.version}.`);
      if (versions) void loadVersions();
    } catch (caught) {
      if (caught instanceof ApiError && caught.field) {
        const located = locate(caught.field, caught.message, graph.nodes.map((node) => node.id), graph.edges);
        setErrors([located]);
        if (located.node) setSelection({ node: located.node });
        setProblem(located.node ? `Not saved: ${located.node}: ${caught.message}` : `Not saved: ${caught.message}`);
      } else {
        setProblem(caught instanceof ApiError ? `Not saved: ${caught.message}` : String(caught));
      }
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, graph, saved, versions]);

  async function loadVersions() {
    try {
      setVersions((await api.json<{ versions: Version[] }>("GET", `/api/v1/workflows/${encodeURIComponent(workflowId)}/versions`)).versions);
    } catch (caught) {
      setProblem(messageOf(caught));
    }
  }

  async function openVersion(version: number) {
    try {
      const body = await api.json<Record<string, unknown>>("GET", `/api/v1/workflows/${encodeURIComponent(workflowId)}/versions/${version}`);
      edit(() => placed({ ...fromWorkflowJSON(body), id: workflowId }));
      setNotice(`Version ${version} is in the editor: save to make it the current version.`);
      setFitRequest((n) => n + 1);
    } catch (caught) {
      setProblem(messageOf(caught));
    }
  }

  function importText(text: string) {
    try {
      const imported = placed({ ...fromWorkflowJSON(JSON.parse(text)), id: workflowId });
      edit(() => imported);
      setExchange(null);
      setFitRequest((n) => n + 1);
    } catch (caught) {
      setProblem(`Not imported: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  }

  const onKeyDown = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    const typing = target.closest("input, textarea, select");
    const modifier = event.ctrlKey || event.metaKey;
    if (modifier && event.key.toLowerCase() === "z" && !typing) {
      event.preventDefault();
      setHistory((current) => current && (event.shiftKey ? redo(current) : undo(current)));
    } else if (modifier && event.key.toLowerCase() === "y" && !typing) {
      event.preventDefault();
      setHistory((current) => current && redo(current));
    } else if (modifier && event.key.toLowerCase() === "s") {
      event.preventDefault();
      if (editor) void save();
    } else if ((event.key === "Delete" || event.key === "Backspace") && !typing && selection && editor) {
      event.preventDefault();
      if ("node" in selection) edit((current) => removeNode(current, selection.node));
      else edit((current) => disconnect(current, selection.edge));
      setSelection(null);
    }
  };

  const paths = useMemo(() => {
    const id = selection && "node" in selection ? selection.node : null;
    return graph && id ? templatePaths(graph, id, types) : [];
  }, [graph, selection, types]);
  const summaries = useMemo(() => Object.fromEntries([...types.values()].map((type) => [type.name, type.summary])), [types]);
  const invalid = useMemo(() => new Set(errors.map((error) => error.node).filter((id): id is string => id !== null)), [errors]);

  if (!graph) {
    return (
      <section className="builder-loading">
        <ErrorBanner error={problem} />
        {!problem && <p className="muted">Opening {workflowId}…</p>}
        <a href="#/workflows">Back to the workflows</a>
      </section>
    );
  }

  const selectedNode = selection && "node" in selection ? graph.nodes.find((node) => node.id === selection.node) ?? null : null;
  const selectedEdge = selection && "edge" in selection ? graph.edges.find((edge) => edge.from === selection.edge.from && edge.to === selection.edge.to) ?? null : null;
  const dirty = !saved || saved.graph !== graph;
  const palette = [...types.values()].sort((a, b) => a.queue.localeCompare(b.queue) || a.name.localeCompare(b.name));

  return (
    <div className="builder" onKeyDown={onKeyDown}>
      <div className="builder-bar">
        <a href="#/workflows" className="back">
          ‹ Workflows
        </a>
        <input
          className="workflow-name"
          aria-label="Workflow name"
          value={graph.name}
          disabled={!editor}
          onChange={(event) => {
            const name = event.target.value;
            edit((current) => ({ ...current, name }));
          }}
        />
        <span className="muted small">
          {graph.id}
          {saved ? ` · version ${saved.version}` : " · not saved"}
          {dirty && saved ? " · changed" : ""}
        </span>
        <span className="spacer" />
        <button type="button" onClick={() => setHistory((current) => current && undo(current))} disabled={!history || history.past.length === 0} title="Ctrl+Z">
          Undo
        </button>
        <button type="button" onClick={() => setHistory((current) => current && redo(current))} disabled={!history || history.future.length === 0} title="Ctrl+Shift+Z">
          Redo
        </button>
        <button
          type="button"
          onClick={() => {
            edit((current) => ({ ...current, layout: layeredLayout(current.nodes.map((node) => node.id), current.edges) }));
            setFitRequest((n) => n + 1);
          }}
        >
          Auto-layout
        </button>
        <button type="button" onClick={() => (versions ? setVersions(null) : void loadVersions())} disabled={!saved}>
          Versions
        </button>
        <button type="button" onClick={() => setExchange({ mode: "export", text: JSON.stringify(toWorkflowJSON(graph), null, 2) })}>
          Export
        </button>
        {editor && (
          <button type="button" onClick={() => setExchange({ mode: "import", text: "" })}>
            Import
          </button>
        )}
        {editor && (
          <button type="button" className="primary" onClick={() => void save()} disabled={!dirty} title="Ctrl+S">
            Save
          </button>
        )}
      </div>
      <ErrorBanner error={problem} onDismiss={() => setProblem(null)} />
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {exchange && (
        <ExchangeDialog
          exchange={exchange}
          fileName={`${graph.id}.json`}
          onChange={(text) => setExchange({ ...exchange, text })}
          onImport={() => importText(exchange.text)}
          onClose={() => setExchange(null)}
        />
      )}
      <div className="builder-main">
        <Palette types={palette} editable={editor} onGrab={(type, x, y) => setDragging({ type, x, y })} onAdd={(type) => add(type, null)} />
        <Canvas
          graph={graph}
          selection={selection}
          onSelect={setSelection}
          onMove={editor ? move : () => undefined}
          onConnect={(from, to) => {
            const refusal = refusesEdge(graph, from, to);
            if (refusal) setProblem(`Not connected: ${refusal}.`);
            else edit((current) => connect(current, from, to));
          }}
          statuses={statuses}
          invalid={invalid}
          summaries={summaries}
          toWorld={toWorld}
          fitRequest={fitRequest}
        />
        <aside className="side">
          {versions && (
            <div className="versions card" aria-label="Versions">
              <h2>Versions</h2>
              <ol>
                {versions.map((version) => (
                  <li key={version.version}>
                    <button type="button" className="link" onClick={() => void openVersion(version.version)}>
                      version {version.version}
                    </button>{" "}
                    <span className="muted small">
                      {version.name} · {time(version.updated_at)}
                    </span>
                  </li>
                ))}
              </ol>
            </div>
          )}
          <Inspector
            api={api}
            graph={graph}
            onFieldError={(error) => setErrors([error])}
            node={selectedNode}
            edge={selectedEdge}
            types={types}
            errors={errors}
            templatePaths={paths}
            readOnly={!editor}
            onNode={(change) => selectedNode && edit((current) => updateNode(current, selectedNode.id, change))}
            onRename={(to) => {
              if (!selectedNode || to === selectedNode.id) return;
              edit((current) => renameNode(current, selectedNode.id, to));
              setSelection({ node: to });
            }}
            onRemoveNode={() => {
              if (!selectedNode) return;
              edit((current) => removeNode(current, selectedNode.id));
              setSelection(null);
            }}
            onBranch={(branch) =>
              selectedEdge &&
              edit((current) => ({
                ...current,
                edges: current.edges.map((edge) => (edge.from === selectedEdge.from && edge.to === selectedEdge.to ? (branch ? { ...edge, branch } : { from: edge.from, to: edge.to }) : edge)),
              }))
            }
            onRemoveEdge={() => {
              if (!selectedEdge) return;
              edit((current) => disconnect(current, selectedEdge));
              setSelection(null);
            }}
          />
          <RunPanel
            api={api}
            workflowId={graph.id}
            savedVersion={saved?.version ?? null}
            dirty={dirty}
            canRun={editor}
            onStatuses={setStatuses}
            selectedNode={selectedNode?.id ?? null}
            onSelectNode={(id) => setSelection({ node: id })}
          />
        </aside>
      </div>
      {dragging && (
        <div className="drag-ghost" style={{ left: dragging.x + 8, top: dragging.y + 8 }} aria-hidden="true">
          {dragging.type}
        </div>
      )}
    </div>
  );
}
