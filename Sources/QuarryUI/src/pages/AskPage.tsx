import { FormEvent, useEffect, useRef, useState } from "react";
import { Api, ApiError, messageOf } from "../api/client";
import { serverEvents } from "../api/sse";
import type { AnswerKind, Citation, DocumentBody, ErrorBody, Hit, QueryResponse, RetrievalMode } from "../api/types";
import { ErrorBanner } from "../app/ErrorBanner";
import { milliseconds } from "../app/format";
import { PdfViewer } from "../pdf/PdfViewer";
import { findPassage, snippetPieces, splitCitations } from "./answerText";

interface Result {
  answer: string;
  citations: Citation[];
  hits: Hit[];
  timings: Record<string, number> | null;
  cached: boolean;
  done: boolean;
}

/** A citation opened beside the answer, with what is needed to show its source. */
interface Opened {
  citation: Citation;
  document: DocumentBody | null;
}

export function AskPage({ api }: { api: Api }) {
  const [query, setQuery] = useState("");
  const [mode, setMode] = useState<RetrievalMode>("hybrid");
  const [topK, setTopK] = useState(5);
  const [answerKind, setAnswerKind] = useState<AnswerKind>("extractive");
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [opened, setOpened] = useState<Opened | null>(null);
  const running = useRef<AbortController | null>(null);
  const documents = useRef(new Map<string, DocumentBody>());

  useEffect(() => () => running.current?.abort(), []);

  async function ask(event: FormEvent) {
    event.preventDefault();
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    setError(null);
    setOpened(null);
    setResult({ answer: "", citations: [], hits: [], timings: null, cached: false, done: false });
    try {
      const response = await fetch("/api/v1/rag/query", {
        method: "POST",
        headers: { ...api.headers, "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ query, mode, top_k: topK, answer: answerKind, stream: true }),
        signal: controller.signal,
      });
      if (!response.ok) throw api.failure(response.status, await response.text());
      for await (const event of serverEvents(response)) {
        const data: unknown = JSON.parse(event.data);
        if (event.event === "retrieved") {
          const { citations, hits } = data as { citations: Citation[]; hits: Hit[] };
          setResult((current) => current && { ...current, citations, hits });
        } else if (event.event === "answer") {
          const { text } = data as { text: string };
          setResult((current) => current && { ...current, answer: current.answer + text });
        } else if (event.event === "done") {
          const done = data as QueryResponse;
          setResult({
            answer: done.answer?.text ?? "",
            citations: done.citations,
            hits: done.hits,
            timings: done.timings,
            cached: done.cached,
            done: true,
          });
        } else if (event.event === "error") {
          throw new ApiError(200, (data as ErrorBody).error.code, (data as ErrorBody).error.message, (data as ErrorBody).error.field);
        }
      }
    } catch (caught) {
      if (controller.signal.aborted) return;
      setError(messageOf(caught));
      setResult((current) => current && { ...current, done: true });
    }
  }

  async function open(citation: Citation) {
    let document = documents.current.get(citation.document_id) ?? null;
    setOpened({ citation, document });
    if (!document) {
      try {
        document = await api.json<DocumentBody>("GET", `/api/v1/documents/${encodeURIComponent(citation.document_id)}`);
        documents.current.set(document.id, document);
        setOpened((current) => (current?.citation === citation ? { citation, document } : current));
      } catch (caught) {
        setError(messageOf(caught));
      }
    }
  }

  const citationByNumber = new Map(result?.citations.map((citation) => [citation.number, citation]));

  return (
    <section aria-labelledby="ask-title" className={opened ? "ask with-viewer" : "ask"}>
      <div className="ask-main">
        <header className="page-header">
          <h1 id="ask-title">Ask</h1>
          <p className="muted">A question over this tenant's indexed documents; every claim cites the page it comes from.</p>
        </header>
        <form className="ask-form" onSubmit={ask}>
          <label htmlFor="query" className="visually-hidden">
            Question
          </label>
          <textarea
            id="query"
            rows={2}
            placeholder="What does the warranty cover?"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && !event.shiftKey) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <div className="options">
            <label>
              Mode{" "}
              <select value={mode} onChange={(event) => setMode(event.target.value as RetrievalMode)}>
                <option value="hybrid">hybrid</option>
                <option value="dense">dense</option>
                <option value="sparse">sparse (BM25)</option>
              </select>
            </label>
            <label>
              Top k{" "}
              <input type="number" min={1} max={50} value={topK} onChange={(event) => setTopK(Number(event.target.value))} />
            </label>
            <label>
              Answer{" "}
              <select value={answerKind} onChange={(event) => setAnswerKind(event.target.value as AnswerKind)}>
                <option value="extractive">extractive</option>
                <option value="llm">LLM (llm_url)</option>
                <option value="none">none (hits only)</option>
              </select>
            </label>
            <button type="submit" disabled={query.trim() === "" || (result !== null && !result.done)}>
              {result && !result.done ? "Asking…" : "Ask"}
            </button>
          </div>
        </form>
        <ErrorBanner error={error} onDismiss={() => setError(null)} />

        {result && (
          <div className="result" aria-live="polite" aria-busy={!result.done}>
            {answerKind !== "none" && (
              <div className="answer">
                <h2>Answer</h2>
                <p>
                  {splitCitations(result.answer).map((piece, index) =>
                    "text" in piece ? (
                      <span key={index}>{piece.text}</span>
                    ) : citationByNumber.has(piece.citation) ? (
                      <button
                        type="button"
                        key={index}
                        className="marker"
                        aria-label={`Open citation ${piece.citation}`}
                        onClick={() => void open(citationByNumber.get(piece.citation)!)}
                      >
                        [{piece.citation}]
                      </button>
                    ) : (
                      <span key={index}>[{piece.citation}]</span>
                    ),
                  )}
                  {!result.done && <span className="cursor" aria-hidden="true" />}
                </p>
                {result.done && result.answer === "" && <p className="muted">The documents do not answer this.</p>}
              </div>
            )}
            {result.citations.length > 0 && (
              <div>
                <h2>Citations</h2>
                <ol className="citations">
                  {result.citations.map((citation) => (
                    <li key={citation.number}>
                      <button
                        type="button"
                        className={`citation${opened?.citation.number === citation.number ? " active" : ""}`}
                        data-citation={citation.number}
                        onClick={() => void open(citation)}
                      >
                        <span className="number">[{citation.number}]</span>
                        <span className="title">{citation.title || citation.source}</span>
                        <span className="page">page {citation.page}</span>
                        <span className="snippet">
                          {snippetPieces(citation.snippet).map((piece, index) => (piece.marked ? <mark key={index}>{piece.text}</mark> : <span key={index}>{piece.text}</span>))}
                        </span>
                      </button>
                    </li>
                  ))}
                </ol>
              </div>
            )}
            {result.done && result.citations.length === 0 && result.hits.length === 0 && (
              <p className="empty">Nothing in this tenant's documents matches. Upload or index documents first.</p>
            )}
            {result.timings && (
              <details className="timings">
                <summary>
                  {milliseconds(result.timings.total ?? 0)} in all{result.cached ? " (from the cache)" : ""}
                </summary>
                <table>
                  <tbody>
                    {Object.entries(result.timings).map(([stage, value]) => (
                      <tr key={stage}>
                        <th scope="row">{stage}</th>
                        <td>{milliseconds(value)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            )}
          </div>
        )}
      </div>

      {opened && (
        <aside className="source" aria-label="Cited source">
          <div className="source-bar">
            <strong>
              [{opened.citation.number}] {opened.citation.title || opened.citation.source}
            </strong>
            <button type="button" className="link" onClick={() => setOpened(null)} aria-label="Close the source">
              ×
            </button>
          </div>
          {!opened.document && <p className="muted">Opening…</p>}
          {opened.document?.source.media_type === "application/pdf" && (
            <PdfViewer
              api={api}
              documentId={opened.citation.document_id}
              title={opened.citation.title || opened.citation.source}
              page={opened.citation.page}
              boxes={opened.citation.boxes}
            />
          )}
          {opened.document && opened.document.source.media_type !== "application/pdf" && (
            <Passage citation={opened.citation} hits={result?.hits ?? []} />
          )}
        </aside>
      )}
    </section>
  );
}

/** An HTML or text source: the extracted text of the cited chunk, the cited passage marked. */
function Passage({ citation, hits }: { citation: Citation; hits: Hit[] }) {
  const hit =
    hits.find((each) => each.document_id === citation.document_id && findPassage(each.text, citation.snippet) !== null) ??
    hits.find((each) => each.document_id === citation.document_id);
  if (!hit) return <p className="snippet">{snippetPieces(citation.snippet).map((piece) => piece.text).join("")}</p>;
  const span = findPassage(hit.text, citation.snippet);
  return (
    <div className="passage">
      {hit.heading_path.length > 0 && <p className="muted small">{hit.heading_path.join(" › ")}</p>}
      <p>
        {span ? (
          <>
            {hit.text.slice(0, span[0])}
            <mark>{hit.text.slice(span[0], span[1])}</mark>
            {hit.text.slice(span[1])}
          </>
        ) : (
          hit.text
        )}
      </p>
    </div>
  );
}
