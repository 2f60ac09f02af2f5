import { FormEvent, useCallback, useState } from "react";
import { Api, ApiError, messageOf } from "../api/client";
import type { IndexJob, IndexJobList, Me } from "../api/types";
import { ErrorBanner } from "../app/ErrorBanner";
import { duration, time } from "../app/format";
import { canEdit } from "../app/session";
import { usePolling } from "../app/usePolling";

/** The stages an item of a job goes through, in order, as the bar shows them. */
const stages = ["indexed", "unchanged", "embedding", "chunking", "parsing", "queued", "pending", "needs_ocr", "failed", "canceled", "removed"];
const running = new Set(["queued", "running"]);

export function IndexJobsPage({ api, me }: { api: Api; me: Me }) {
  const [jobs, setJobs] = useState<IndexJob[] | null>(null);
  const [details, setDetails] = useState<Record<string, IndexJob>>({});
  const [error, setError] = useState<string | null>(null);
  const [urls, setURLs] = useState("");
  const [paths, setPaths] = useState("");
  const editor = canEdit(me);

  const refresh = useCallback(async () => {
    try {
      const list = await api.json<IndexJobList>("GET", "/api/v1/index-jobs?limit=100");
      setJobs(list.index_jobs);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }, [api]);
  const busy = jobs === null || jobs.some((job) => running.has(job.status));
  usePolling(refresh, busy ? 1000 : 5000, true);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const lines = (text: string) => text.split("\n").map((line) => line.trim()).filter(Boolean);
    try {
      await api.json("POST", "/api/v1/index-jobs", { urls: lines(urls), paths: lines(paths) });
      setURLs("");
      setPaths("");
      setError(null);
      await refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? `${caught.message}${caught.field ? ` (${caught.field})` : ""}` : String(caught));
    }
  }

  async function act(job: IndexJob, action: "cancel" | "details") {
    try {
      const path = `/api/v1/index-jobs/${encodeURIComponent(job.id)}`;
      const updated = action === "cancel" ? await api.json<IndexJob>("POST", `${path}/cancel`) : await api.json<IndexJob>("GET", path);
      setDetails((all) => ({ ...all, [job.id]: updated }));
      if (action === "cancel") await refresh();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <section aria-labelledby="jobs-title">
      <header className="page-header">
        <h1 id="jobs-title">Index jobs</h1>
        <p className="muted">Many files and URLs at once; workers index them and report each one's stage.</p>
      </header>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {editor && (
        <form className="card job-form" onSubmit={submit}>
          <label htmlFor="job-urls">URLs, one per line</label>
          <textarea id="job-urls" rows={3} value={urls} onChange={(event) => setURLs(event.target.value)} placeholder="https://example.org/manual.pdf" />
          <label htmlFor="job-paths">Paths under the server's index_root, one per line</label>
          <textarea id="job-paths" rows={2} value={paths} onChange={(event) => setPaths(event.target.value)} placeholder="manuals/" />
          <button type="submit" disabled={urls.trim() === "" && paths.trim() === ""}>
            Start indexing
          </button>
        </form>
      )}
      {jobs !== null && jobs.length === 0 && <p className="empty">No index jobs yet.</p>}
      <ul className="jobs">
        {(jobs ?? []).map((job) => {
          const detail = details[job.id];
          const done = job.total - (job.counts.pending ?? 0) - (job.counts.queued ?? 0) - (job.counts.parsing ?? 0) - (job.counts.chunking ?? 0) - (job.counts.embedding ?? 0);
          return (
            <li key={job.id} className="card" data-job={job.id}>
              <div className="job-head">
                <strong>{job.id}</strong>
                <span className={`badge job-${job.status}`}>{job.status}</span>
                <span className="muted">{time(job.created_at)}</span>
              </div>
              <div className="stacked" role="img" aria-label={stages.filter((stage) => job.counts[stage]).map((stage) => `${job.counts[stage]} ${stage}`).join(", ")}>
                {stages.map((stage) =>
                  job.counts[stage] ? <span key={stage} className={`stage-${stage}`} style={{ flexGrow: job.counts[stage] }} title={`${job.counts[stage]} ${stage}`} /> : null,
                )}
              </div>
              <ul className="legend" aria-hidden="true">
                {stages.filter((stage) => job.counts[stage]).map((stage) => (
                  <li key={stage}>
                    <span className={`dot stage-${stage}`} /> {job.counts[stage]} {stage.replace("_", " ")}
                  </li>
                ))}
              </ul>
              <div className="job-facts">
                <span>
                  {done} of {job.total} items done
                </span>
                <span>{job.pages} pages · {job.chunks} chunks</span>
                {job.pages_per_second != null && <span>{job.pages_per_second.toFixed(1)} pages/s</span>}
                {job.eta_seconds != null && running.has(job.status) && <span>about {duration(job.eta_seconds)} left</span>}
                {(job.counts.failed ?? 0) > 0 && <span className="reason">{job.counts.failed} failed</span>}
              </div>
              <div className="job-actions">
                <button type="button" className="small" onClick={() => void act(job, "details")}>
                  {detail ? "Refresh failures" : "Show failures"}
                </button>
                {editor && running.has(job.status) && (
                  <button type="button" className="danger small" onClick={() => void act(job, "cancel")}>
                    Cancel
                  </button>
                )}
              </div>
              {detail?.failures && (
                detail.failures.length === 0 ? (
                  <p className="muted small">No failures.</p>
                ) : (
                  <ul className="failures">
                    {detail.failures.map((failure, index) => (
                      <li key={index}>
                        <code>{failure.source}</code>: {failure.reason}
                      </li>
                    ))}
                  </ul>
                )
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
