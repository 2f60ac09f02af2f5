import { useEffect, useRef, useState } from "react";
import { Api, messageOf } from "../api/client";
import { serverEvents } from "../api/sse";
import { milliseconds } from "../app/format";
import { finishedRunStatuses, LogLine, RunDetail } from "./runTypes";

interface Props {
  api: Api;
  workflowId: string;
  /** The saved version a run will start on; null while the workflow was never saved. */
  savedVersion: number | null;
  dirty: boolean;
  canRun: boolean;
  /** Node statuses as they change, for the canvas. */
  onStatuses: (statuses: Record<string, string>) => void;
  selectedNode: string | null;
  onSelectNode: (id: string) => void;
}

/**
 * Starts a run and follows it: the log arrives over server-sent events, and each line (a node
 * began, ended, retried) brings the run's state again, so the canvas colours change as the
 * nodes do. Cancel, and run again from the failed nodes.
 */
export function RunPanel({ api, workflowId, savedVersion, dirty, canRun, onStatuses, selectedNode, onSelectNode }: Props) {
  const [inputs, setInputs] = useState("{}");
  const [run, setRun] = useState<RunDetail | null>(null);
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const following = useRef<AbortController | null>(null);
  const statusesRef = useRef(onStatuses);
  statusesRef.current = onStatuses;

  useEffect(() => () => following.current?.abort(), []);

  async function refresh(id: string): Promise<RunDetail | null> {
    try {
      const detail = await api.json<RunDetail>("GET", `/api/v1/runs/${encodeURIComponent(id)}`);
      setRun(detail);
      statusesRef.current(Object.fromEntries((detail.nodes ?? []).map((node) => [node.id, node.status])));
      return detail;
    } catch (caught) {
      setError(messageOf(caught));
      return null;
    }
  }

  /** Follows `id`'s log until the run ends; one refresh at a time, and one more if lines came meanwhile. */
  async function follow(id: string) {
    following.current?.abort();
    const controller = new AbortController();
    following.current = controller;
    setLogs([]);
    let inFlight: Promise<unknown> | null = null;
    let again = false;
    const pull = () => {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = refresh(id).finally(() => {
        inFlight = null;
        if (again && !controller.signal.aborted) {
          again = false;
          pull();
        }
      });
    };
    pull();
    try {
      const response = await fetch(`/api/v1/runs/${encodeURIComponent(id)}/logs`, {
        headers: { ...api.headers, Accept: "text/event-stream" },
        signal: controller.signal,
      });
      if (!response.ok) throw api.failure(response.status, await response.text());
      for await (const event of serverEvents(response)) {
        if (event.event === "log") {
          const line = JSON.parse(event.data) as LogLine;
          setLogs((all) => [...all.slice(-999), line]);
          pull();
        } else if (event.event === "end") {
          pull();
          break;
        } else if (event.event === "error") {
          setError((JSON.parse(event.data) as { error: { message: string } }).error.message);
        }
      }
    } catch (caught) {
      if (!controller.signal.aborted) setError(messageOf(caught));
    }
  }

  async function start() {
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(inputs || "{}");
    } catch {
      setError("The inputs are not JSON: write an object, e.g. {\"question\": \"…\"}");
      return;
    }
    try {
      const started = await api.json<RunDetail>("POST", `/api/v1/workflows/${encodeURIComponent(workflowId)}/run`, { inputs: parsed });
      setRun(started);
      void follow(started.id);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  async function act(path: "cancel" | "rerun") {
    if (!run) return;
    try {
      const body = path === "rerun" ? { from: "failed", version: "latest" } : undefined;
      const next = await api.json<RunDetail>("POST", `/api/v1/runs/${encodeURIComponent(run.id)}/${path}`, body);
      if (path === "rerun") {
        setRun(next);
        void follow(next.id);
      } else {
        await refresh(run.id);
      }
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  const finished = run ? finishedRunStatuses.has(run.status) : true;
  const node = run?.nodes?.find((each) => each.id === selectedNode) ?? null;
  const nodeLogs = selectedNode ? logs.filter((line) => line.node === selectedNode) : logs;

  return (
    <section className="run-panel" aria-label="Run">
      <div className="run-start">
        <label htmlFor="run-inputs">Inputs (the trigger's output)</label>
        <textarea id="run-inputs" rows={2} spellCheck={false} value={inputs} onChange={(event) => setInputs(event.target.value)} />
        <div className="run-buttons">
          <button type="button" id="run-start" onClick={() => void start()} disabled={!canRun || savedVersion === null || !finished}>
            Run{savedVersion !== null ? ` version ${savedVersion}` : ""}
          </button>
          {run && !finished && (
            <button type="button" className="danger" onClick={() => void act("cancel")}>
              Cancel run
            </button>
          )}
          {run && run.status === "failed" && canRun && (
            <button type="button" onClick={() => void act("rerun")}>
              Re-run from the failed nodes
            </button>
          )}
        </div>
        {savedVersion === null && <p className="muted small">Save the workflow to run it.</p>}
        {dirty && savedVersion !== null && <p className="muted small">Unsaved changes: a run starts on version {savedVersion}, as saved.</p>}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {run && (
        <div className="run-state">
          <p>
            <strong>{run.id}</strong> <span className={`badge run-${run.status}`} data-run-status={run.status}>{run.status}</span>
            {run.duration_ms != null && <span className="muted"> {milliseconds(run.duration_ms)}</span>}
          </p>
          {run.error && <p className="reason">{run.error}</p>}
          <table className="node-states">
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">Status</th>
                <th scope="col">Attempt</th>
                <th scope="col">Time</th>
              </tr>
            </thead>
            <tbody>
              {(run.nodes ?? []).map((state) => (
                <tr key={state.id} className={state.id === selectedNode ? "selected" : ""} data-run-node={state.id} onClick={() => onSelectNode(state.id)}>
                  <td>
                    <button type="button" className="link" onClick={() => onSelectNode(state.id)}>
                      {state.id}
                    </button>
                  </td>
                  <td>
                    <span className={`badge node-${state.status}`}>{state.status}</span>
                    {state.reused && <span className="muted small"> kept</span>}
                  </td>
                  <td>{state.attempt}</td>
                  <td>{state.duration_ms != null ? milliseconds(state.duration_ms) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {node && (
            <div className="node-detail" aria-label={`Node ${node.id}`}>
              <h3>{node.id}</h3>
              {node.error && <p className="reason">{node.error}</p>}
              {node.output !== undefined && node.output !== null && <pre className="output">{JSON.stringify(node.output, null, 2)}</pre>}
              {node.output_ref && <p className="muted small">Output of {node.output_ref.bytes} bytes, kept apart from the run.</p>}
            </div>
          )}
          <h3>Log{selectedNode ? ` of ${selectedNode}` : ""}</h3>
          <ol className="log" aria-live="polite">
            {nodeLogs.map((line) => (
              <li key={line.id} className={`level-${line.level}`}>
                <time>{new Date(line.time).toLocaleTimeString()}</time> {line.node && <code>{line.node}</code>} {line.message}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}
