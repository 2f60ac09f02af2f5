import { FormEvent, useCallback, useState } from "react";
import { Api, messageOf } from "../api/client";
import type { Me } from "../api/types";
import { ErrorBanner } from "../app/ErrorBanner";
import { time } from "../app/format";
import { go } from "../app/routes";
import { canEdit } from "../app/session";
import { usePolling } from "../app/usePolling";
import { newWorkflows } from "../builder/newWorkflows";

interface WorkflowSummary {
  id: string;
  name: string;
  version: number;
  nodes: unknown[];
  updated_at: string;
}

export function WorkflowsPage({ api, me }: { api: Api; me: Me }) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const editor = canEdit(me);

  const refresh = useCallback(async () => {
    try {
      setWorkflows((await api.json<{ workflows: WorkflowSummary[] }>("GET", "/api/v1/workflows?limit=100")).workflows);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }, [api]);
  usePolling(refresh, 10000, true);

  function create(event: FormEvent) {
    event.preventDefault();
    const id = name.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100) || "workflow";
    if (workflows?.some((workflow) => workflow.id === id)) {
      setError(`A workflow with the id “${id}” exists: open it below, or choose another name.`);
      return;
    }
    newWorkflows.set(id, name.trim() || id);
    go("workflows", id);
  }

  return (
    <section aria-labelledby="workflows-title">
      <header className="page-header">
        <h1 id="workflows-title">Workflows</h1>
        <p className="muted">Graphs of nodes run on Quarry's queues: a question asked of your documents, its answer shaped and sent on.</p>
      </header>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {editor && (
        <form className="toolbar" onSubmit={create}>
          <input aria-label="Name of a new workflow" placeholder="Name of a new workflow" value={name} onChange={(event) => setName(event.target.value)} />
          <button type="submit" disabled={name.trim() === ""}>
            New workflow
          </button>
        </form>
      )}
      {workflows !== null && workflows.length === 0 && <p className="empty">No workflows yet{editor ? ": name one above to open the builder." : "."}</p>}
      {workflows && workflows.length > 0 && (
        <table className="documents">
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">Version</th>
              <th scope="col">Nodes</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {workflows.map((workflow) => (
              <tr key={workflow.id} data-workflow={workflow.id}>
                <td>
                  <a href={`#/workflows/${encodeURIComponent(workflow.id)}`} className="name">
                    {workflow.name}
                  </a>
                  <div className="muted small">{workflow.id}</div>
                </td>
                <td>{workflow.version}</td>
                <td>{workflow.nodes.length}</td>
                <td>{time(workflow.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
