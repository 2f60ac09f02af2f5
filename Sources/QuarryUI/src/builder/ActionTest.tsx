import { useState } from "react";
import { Api, ApiError, messageOf } from "../api/client";

/**
 * Sends the selected connector node's action once, now, with its config as it stands (no
 * templates: there is no run to fill them from), and shows what the provider answered.
 */
export function ActionTest({ api, type, config, onFieldError }: { api: Api; type: string; config: Record<string, unknown>; onFieldError: (field: string, message: string) => void }) {
  const [result, setResult] = useState<{ output: unknown; log: string[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function send() {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.json<{ output: unknown; log: string[] }>("POST", `/api/v1/actions/${encodeURIComponent(type)}/test`, { config }));
    } catch (caught) {
      if (caught instanceof ApiError && caught.field?.startsWith("/config/")) onFieldError(caught.field.slice("/config/".length), caught.message);
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="action-test">
      <button type="button" className="small" onClick={() => void send()} disabled={busy}>
        {busy ? "Sending…" : "Send one now"}
      </button>
      <p className="help">Sends this action once with the config above, as a test (templates are not filled).</p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <>
          <pre className="output">{JSON.stringify(result.output, null, 2)}</pre>
          {result.log.length > 0 && (
            <ol className="log">
              {result.log.map((line, index) => (
                <li key={index}>{line}</li>
              ))}
            </ol>
          )}
        </>
      )}
    </div>
  );
}
