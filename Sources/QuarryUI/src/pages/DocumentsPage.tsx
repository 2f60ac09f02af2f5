import { useCallback, useMemo, useRef, useState } from "react";
import { Api, messageOf } from "../api/client";
import type { DocumentBody, DocumentList, DocumentStatus, Me } from "../api/types";
import { ErrorBanner } from "../app/ErrorBanner";
import { bytes, time } from "../app/format";
import { canEdit } from "../app/session";
import { usePolling } from "../app/usePolling";
import { documentName, documentProgress, finalStatuses, statusLabels } from "./documentStages";

/** One file on its way up: bytes sent, then the document the server made of it, or why not. */
interface Upload {
  key: number;
  name: string;
  size: number;
  sent: number;
  documentId: string | null;
  error: string | null;
}

export function DocumentsPage({ api, me }: { api: Api; me: Me }) {
  const [documents, setDocuments] = useState<DocumentBody[] | null>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  const [status, setStatus] = useState<DocumentStatus | "">("");
  const [dragging, setDragging] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const nextKey = useRef(0);
  const editor = canEdit(me);

  const refresh = useCallback(async () => {
    try {
      const list = await api.json<DocumentList>("GET", "/api/v1/documents?limit=1000");
      setDocuments(list.documents);
      setError(null);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }, [api]);

  const busy =
    documents === null ||
    documents.some((document) => !finalStatuses.has(document.status)) ||
    uploads.some((upload) => upload.documentId === null && upload.error === null);
  usePolling(refresh, busy ? 1000 : 5000, true);

  function update(key: number, change: Partial<Upload>) {
    setUploads((all) => all.map((upload) => (upload.key === key ? { ...upload, ...change } : upload)));
  }

  function upload(files: FileList | File[]) {
    for (const file of Array.from(files)) {
      const key = nextKey.current++;
      setUploads((all) => [{ key, name: file.name, size: file.size, sent: 0, documentId: null, error: null }, ...all]);
      api
        .upload<DocumentBody>("/api/v1/documents", file, (sent) => update(key, { sent }))
        .then((document) => {
          update(key, { documentId: document.id, sent: file.size });
          void refresh();
        })
        .catch((caught: unknown) => update(key, { error: messageOf(caught) }));
    }
  }

  async function remove(document: DocumentBody) {
    if (!window.confirm(`Delete “${documentName(document)}” with its chunks and vectors?`)) return;
    try {
      await api.json("DELETE", `/api/v1/documents/${encodeURIComponent(document.id)}`);
      setDocuments((all) => all?.filter((each) => each.id !== document.id) ?? null);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  const byId = useMemo(() => new Map((documents ?? []).map((document) => [document.id, document])), [documents]);
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return (documents ?? []).filter(
      (document) =>
        (status === "" || document.status === status) &&
        (needle === "" || `${documentName(document)} ${document.source.uri}`.toLowerCase().includes(needle)),
    );
  }, [documents, filter, status]);

  return (
    <section aria-labelledby="documents-title">
      <header className="page-header">
        <h1 id="documents-title">Documents</h1>
        <p className="muted">PDF, HTML and text. Each goes through queued → parsing → chunking → embedding → indexed.</p>
      </header>
      <ErrorBanner error={error} />

      {editor && (
        <div
          className={`dropzone${dragging ? " dragging" : ""}`}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(event) => {
            event.preventDefault();
            setDragging(false);
            upload(event.dataTransfer.files);
          }}
        >
          <p>Drop files here, or</p>
          <button type="button" onClick={() => picker.current?.click()}>
            Choose files…
          </button>
          <input
            ref={picker}
            id="file-picker"
            type="file"
            multiple
            accept=".pdf,.html,.htm,.txt,application/pdf,text/html,text/plain"
            aria-label="Choose files to upload"
            className="visually-hidden"
            onChange={(event) => {
              if (event.target.files) upload(event.target.files);
              event.target.value = "";
            }}
          />
        </div>
      )}

      {uploads.length > 0 && (
        <ul className="uploads" aria-label="Uploads">
          {uploads.map((item) => {
            const document = item.documentId ? byId.get(item.documentId) : undefined;
            const fraction = document ? documentProgress(document) : item.size > 0 ? (item.sent / item.size) * 0.2 : 0;
            const state = item.error
              ? "upload failed"
              : document
                ? statusLabels[document.status]
                : item.documentId
                  ? "queued"
                  : `uploading ${bytes(item.sent)} of ${bytes(item.size)}`;
            return (
              <li key={item.key} className={item.error || document?.status === "failed" ? "failed" : ""} data-upload={item.name}>
                <span className="name">{item.name}</span>
                <progress max={1} value={item.error ? 0 : fraction} aria-label={`${item.name}: ${state}`} />
                <span className="state">{state}</span>
                {(item.error || document?.error) && <span className="reason">{item.error ?? document?.error}</span>}
              </li>
            );
          })}
        </ul>
      )}

      <div className="toolbar">
        <input
          type="search"
          placeholder="Filter by name or source"
          aria-label="Filter documents by name or source"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        <select aria-label="Filter documents by status" value={status} onChange={(event) => setStatus(event.target.value as DocumentStatus | "")}>
          <option value="">every status</option>
          {Object.entries(statusLabels).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <span className="muted">
          {documents === null ? "loading…" : `${shown.length} of ${documents.length}`}
        </span>
      </div>

      {documents !== null && documents.length === 0 && (
        <p className="empty">No documents yet{editor ? ": drop a PDF above to start." : "."}</p>
      )}
      {shown.length > 0 && (
        <table className="documents">
          <thead>
            <tr>
              <th scope="col">Document</th>
              <th scope="col">Status</th>
              <th scope="col">Pages</th>
              <th scope="col">Chunks</th>
              <th scope="col">Updated</th>
              {editor && <th scope="col"><span className="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {shown.map((document) => (
              <tr key={document.id} data-document={document.id}>
                <td>
                  <div className="name">{documentName(document)}</div>
                  <div className="muted small">
                    {document.source.media_type} · {document.source.uri}
                  </div>
                  {document.error && <div className="reason">{document.error}</div>}
                </td>
                <td>
                  <span className={`badge status-${document.status}`}>{statusLabels[document.status]}</span>
                  {!finalStatuses.has(document.status) && (
                    <progress max={1} value={documentProgress(document)} aria-label={`${documentName(document)} progress`} />
                  )}
                </td>
                <td>{document.pages}</td>
                <td>
                  {document.progress.chunks_indexed}/{document.progress.chunks}
                </td>
                <td>{time(document.updated_at)}</td>
                {editor && (
                  <td>
                    <button type="button" className="danger small" onClick={() => void remove(document)} aria-label={`Delete ${documentName(document)}`}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
