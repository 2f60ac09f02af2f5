import { useEffect, useState } from "react";
import type { Api } from "../api/client";
import { ActionTest } from "./ActionTest";
import type { FieldError } from "./fieldErrors";
import type { Graph, NodeType, WorkflowEdge, WorkflowNode } from "./graph";
import { SchemaForm } from "./SchemaForm";

interface Props {
  api: Api;
  graph: Graph;
  node: WorkflowNode | null;
  edge: WorkflowEdge | null;
  types: ReadonlyMap<string, NodeType>;
  errors: FieldError[];
  templatePaths: string[];
  readOnly: boolean;
  onNode: (change: Partial<WorkflowNode>) => void;
  onRename: (to: string) => void;
  onRemoveNode: () => void;
  onBranch: (branch: string | null) => void;
  onRemoveEdge: () => void;
  /** A message the server gave for a field of the selected node outside a save (an action test's). */
  onFieldError: (error: FieldError) => void;
}

const idPattern = /^[A-Za-z0-9_-]{1,100}$/;

/** The selected node's settings, as a form made from its type's schema, or the selected edge's branch. */
export function Inspector(props: Props) {
  const { graph, node, edge, types, errors, templatePaths, readOnly } = props;
  if (edge) return <EdgeInspector {...props} edge={edge} />;
  if (!node) {
    return (
      <div className="inspector empty">
        <p className="muted">Select a node to edit it, or drag a node type from the palette onto the canvas.</p>
        <p className="muted small">
          Connect two nodes by dragging from the right edge of one to the other. Templates such as <code>{"{{ nodes.ask.answer.text }}"}</code> name the outputs of
          nodes upstream.
        </p>
        {graph.nodes.length > 0 && <p className="muted small">{graph.nodes.length} nodes, {graph.edges.length} edges.</p>}
      </div>
    );
  }
  const type = types.get(node.type);
  const mine = errors.filter((error) => error.node === node.id);
  const byField: Record<string, string> = {};
  for (const error of mine) if (error.field.startsWith("config/")) byField[error.field.slice("config/".length).split("/")[0]] = error.message;
  const general = mine.filter((error) => !error.field.startsWith("config/"));
  return (
    <div className="inspector" aria-label={`Settings of ${node.id}`}>
      <h2>{node.type}</h2>
      {type && <p className="muted small">{type.summary}</p>}
      {!type && <p className="error">This server has no node type “{node.type}”.</p>}
      {general.map((error, index) => (
        <p key={index} className="field-error" role="alert" data-field-error={error.field || "node"}>
          {error.field ? `${error.field}: ` : ""}
          {error.message}
        </p>
      ))}
      <fieldset disabled={readOnly}>
        <NodeIdField id={node.id} graph={graph} onRename={props.onRename} />
        {type && (
          <SchemaForm
            key={node.id}
            idPrefix={`config-${node.id}`}
            schema={type.config_schema}
            value={node.config}
            errors={byField}
            templatePaths={templatePaths}
            onChange={(config) => props.onNode({ config })}
          />
        )}
        {type?.queue === "actions" && !readOnly && (
          <ActionTest api={props.api} type={node.type} config={node.config} onFieldError={(field, message) => props.onFieldError({ node: node.id, field: `config/${field}`, message })} />
        )}
        <details className="node-settings">
          <summary>Retries, timeout, joins</summary>
          <label htmlFor="node-attempts">Attempts (1: no retry)</label>
          <input
            id="node-attempts"
            type="number"
            min={1}
            max={1000}
            value={node.retry?.max_attempts ?? 1}
            onChange={(event) => {
              const attempts = Number(event.target.value);
              props.onNode({ retry: attempts > 1 ? { ...(node.retry ?? {}), max_attempts: attempts } : undefined });
            }}
          />
          <label htmlFor="node-timeout">Timeout in seconds (empty: the type's)</label>
          <input
            id="node-timeout"
            type="number"
            min={1}
            max={3600}
            value={node.timeout_seconds ?? ""}
            onChange={(event) => props.onNode({ timeout_seconds: event.target.value === "" ? undefined : Number(event.target.value) })}
          />
          <label htmlFor="node-join">With several predecessors, start</label>
          <select id="node-join" value={node.join ?? "all"} onChange={(event) => props.onNode({ join: event.target.value === "all" ? undefined : (event.target.value as WorkflowNode["join"]) })}>
            <option value="all">when all succeeded</option>
            <option value="any">at the first success</option>
            <option value="all_settled">when all ended</option>
          </select>
          <label className="inline">
            <input type="checkbox" checked={node.continue_on_error === true} onChange={(event) => props.onNode({ continue_on_error: event.target.checked || undefined })} /> a
            failure does not fail the run
          </label>
        </details>
        <button type="button" className="danger small" onClick={props.onRemoveNode}>
          Delete node
        </button>
      </fieldset>
    </div>
  );
}

function NodeIdField({ id, graph, onRename }: { id: string; graph: Graph; onRename: (to: string) => void }) {
  const [text, setText] = useState(id);
  useEffect(() => setText(id), [id]);
  const taken = text !== id && graph.nodes.some((node) => node.id === text);
  const problem = !idPattern.test(text) ? "letters, digits, _ and - only" : taken ? "another node has this id" : null;
  return (
    <div className={`field${problem ? " invalid" : ""}`}>
      <label htmlFor="node-id">Node id (templates name it)</label>
      <input
        id="node-id"
        value={text}
        spellCheck={false}
        onChange={(event) => setText(event.target.value)}
        onBlur={() => (problem ? setText(id) : onRename(text))}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !problem) onRename(text);
        }}
      />
      {problem && <p className="field-error">{problem}</p>}
    </div>
  );
}

function EdgeInspector({ graph, edge, readOnly, onBranch, onRemoveEdge }: Props & { edge: WorkflowEdge }) {
  const from = graph.nodes.find((node) => node.id === edge.from);
  const branches = from?.type === "condition" ? ["true", "false", "default"] : from?.type === "approval" ? ["approved", "rejected"] : [];
  return (
    <div className="inspector" aria-label={`Edge ${edge.from} to ${edge.to}`}>
      <h2>
        {edge.from} → {edge.to}
      </h2>
      <fieldset disabled={readOnly}>
        {branches.length > 0 ? (
          <>
            <label htmlFor="edge-branch">Taken on the branch</label>
            <input id="edge-branch" list="edge-branches" value={edge.branch ?? ""} onChange={(event) => onBranch(event.target.value || null)} placeholder="always" />
            <datalist id="edge-branches">
              {branches.map((branch) => (
                <option key={branch} value={branch} />
              ))}
            </datalist>
            <p className="help">Empty: always taken. A condition's cases may name other branches.</p>
          </>
        ) : (
          <p className="muted small">{edge.to} waits for {edge.from}.</p>
        )}
        <button type="button" className="danger small" onClick={onRemoveEdge}>
          Delete edge
        </button>
      </fieldset>
    </div>
  );
}
