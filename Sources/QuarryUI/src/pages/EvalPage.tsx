import { Fragment, useCallback, useEffect, useMemo, useState } from "react";
import { Api, messageOf } from "../api/client";
import type { Me } from "../api/types";
import { ErrorBanner } from "../app/ErrorBanner";
import { time } from "../app/format";
import { plotSeries } from "./evalPlot";

interface Metrics {
  ndcg_at_10: number;
  recall_at_100: number;
  mrr_at_10: number;
  map: number;
  queries: number;
}

interface EvalQuery {
  id: string;
  text: string;
  ndcg_at_10: number;
  recall_at_100: number;
  mrr_at_10: number;
  average_precision: number;
  relevant: string[];
  top: { document: string; score: number; grade: number }[];
}

interface EvalRun {
  name: string;
  dataset: string;
  mode: string;
  written_at: string;
  vector_store: string;
  metrics: Metrics;
  documents: number;
  chunks: number;
  index_seconds: number;
  query_seconds: number;
  queries?: EvalQuery[] | null;
}

const colours = ["#1f5fae", "#b3261e", "#1e7b45", "#9a6400", "#6b3fa0", "#00838f"];

/** `quarry eval` runs: their metrics, nDCG@10 across runs, and each query of one run. */
export function EvalPage({ api, me }: { api: Api; me: Me }) {
  const [runs, setRuns] = useState<EvalRun[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<EvalRun | null>(null);
  const admin = me.roles.includes("admin");

  const load = useCallback(async () => {
    try {
      setRuns((await api.json<{ runs: EvalRun[] }>("GET", "/api/v1/eval/runs")).runs);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }, [api]);
  useEffect(() => {
    if (admin) void load();
  }, [admin, load]);

  async function openRun(name: string) {
    try {
      setOpen(await api.json<EvalRun>("GET", `/api/v1/eval/runs/${encodeURIComponent(name)}`));
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <section aria-labelledby="eval-title">
      <header className="page-header">
        <h1 id="eval-title">Eval</h1>
        <p className="muted">
          Retrieval quality on BEIR data sets, as <code>quarry eval --dataset DIR</code> measured it (the records in the server's <code>eval_dir</code>).
        </p>
      </header>
      {!admin && <p className="notice">Eval runs are the operator's measurements, shown to admins.</p>}
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {runs && runs.length === 0 && (
        <p className="empty">
          No eval runs yet: <code>quarry eval --dataset scifact --output {"<eval_dir>"}</code> adds one.
        </p>
      )}
      {runs && runs.length > 0 && (
        <>
          <NdcgPlot runs={runs} />
          <table className="documents eval-runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Written</th>
                <th scope="col">nDCG@10</th>
                <th scope="col">Recall@100</th>
                <th scope="col">MRR@10</th>
                <th scope="col">MAP</th>
                <th scope="col">Queries</th>
                <th scope="col">Index / query</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.name} data-eval-run={run.name} className={open?.name === run.name ? "selected" : ""}>
                  <td>
                    <button type="button" className="link" onClick={() => void openRun(run.name)}>
                      {run.dataset} · {run.mode}
                    </button>
                    <div className="muted small">
                      {run.documents} passages, {run.chunks} chunks, {run.vector_store}
                    </div>
                  </td>
                  <td>{time(run.written_at)}</td>
                  <td>{run.metrics.ndcg_at_10.toFixed(4)}</td>
                  <td>{run.metrics.recall_at_100.toFixed(4)}</td>
                  <td>{run.metrics.mrr_at_10.toFixed(4)}</td>
                  <td>{run.metrics.map.toFixed(4)}</td>
                  <td>{run.metrics.queries}</td>
                  <td>
                    {run.index_seconds.toFixed(1)} s / {run.query_seconds.toFixed(1)} s
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {open && <QueryDrillDown run={open} />}
    </section>
  );
}

function NdcgPlot({ runs }: { runs: EvalRun[] }) {
  const [width, height, margin] = [720, 240, 36];
  const series = useMemo(
    () => plotSeries(runs.map((run) => ({ name: run.name, dataset: run.dataset, mode: run.mode, written_at: run.written_at, value: run.metrics.ndcg_at_10 })), width, height, margin),
    [runs],
  );
  return (
    <figure className="plot card">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="nDCG@10 of each run, in the order the runs were written">
        {[0, 0.25, 0.5, 0.75, 1].map((tick) => {
          const y = margin + (1 - tick) * (height - 2 * margin);
          return (
            <g key={tick}>
              <line x1={margin} x2={width - margin} y1={y} y2={y} className="grid" />
              <text x={margin - 6} y={y + 4} className="tick" textAnchor="end">
                {tick.toFixed(2)}
              </text>
            </g>
          );
        })}
        {series.map((line, index) => (
          <g key={line.key} data-series={line.key}>
            <polyline points={line.points.map((point) => `${point.x},${point.y}`).join(" ")} fill="none" stroke={colours[index % colours.length]} strokeWidth={2} />
            {line.points.map((point) => (
              <circle key={point.run.name} cx={point.x} cy={point.y} r={4} fill={colours[index % colours.length]} data-point={point.run.name}>
                <title>
                  {point.run.name}: nDCG@10 {point.run.value.toFixed(4)} ({time(point.run.written_at)})
                </title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <figcaption>
        nDCG@10 across runs{" "}
        {series.map((line, index) => (
          <span key={line.key} className="series-key">
            <span className="dot" style={{ background: colours[index % colours.length] }} /> {line.key}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function QueryDrillDown({ run }: { run: EvalRun }) {
  const [filter, setFilter] = useState("");
  const [expanded, setExpanded] = useState<string | null>(null);
  const queries = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return [...(run.queries ?? [])]
      .filter((query) => needle === "" || `${query.id} ${query.text}`.toLowerCase().includes(needle))
      .sort((a, b) => a.ndcg_at_10 - b.ndcg_at_10 || a.id.localeCompare(b.id));
  }, [run, filter]);
  return (
    <div className="card drill-down" aria-label={`Queries of ${run.name}`}>
      <h2>
        {run.dataset} · {run.mode}: each query, worst first
      </h2>
      <input type="search" aria-label="Filter queries" placeholder="Filter by id or text" value={filter} onChange={(event) => setFilter(event.target.value)} />
      <table className="eval-queries">
        <thead>
          <tr>
            <th scope="col">Query</th>
            <th scope="col">nDCG@10</th>
            <th scope="col">Recall@100</th>
            <th scope="col">MRR@10</th>
          </tr>
        </thead>
        <tbody>
          {queries.map((query) => (
            <Fragment key={query.id}>
              <tr data-eval-query={query.id}>
                <td>
                  <button type="button" className="link" aria-expanded={expanded === query.id} onClick={() => setExpanded(expanded === query.id ? null : query.id)}>
                    {query.id}
                  </button>{" "}
                  {query.text}
                </td>
                <td>{query.ndcg_at_10.toFixed(3)}</td>
                <td>{query.recall_at_100.toFixed(3)}</td>
                <td>{query.mrr_at_10.toFixed(3)}</td>
              </tr>
              {expanded === query.id && (
                <tr className="ranked">
                  <td colSpan={4}>
                    <ol>
                      {query.top.map((ranked) => (
                        <li key={ranked.document} className={ranked.grade > 0 ? "relevant" : ""}>
                          <code>{ranked.document}</code> {ranked.score.toFixed(4)} {ranked.grade > 0 ? `relevant (grade ${ranked.grade})` : ""}
                        </li>
                      ))}
                    </ol>
                    {query.relevant.filter((id) => !query.top.some((ranked) => ranked.document === id)).length > 0 && (
                      <p className="reason">
                        Relevant but not in the first ten: {query.relevant.filter((id) => !query.top.some((ranked) => ranked.document === id)).join(", ")}
                      </p>
                    )}
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}
