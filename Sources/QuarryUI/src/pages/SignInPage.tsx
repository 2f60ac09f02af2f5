import { FormEvent, useState } from "react";
import { messageOf } from "../api/client";

interface Props {
  onSignIn: (token: string) => Promise<void>;
  /** Exchanges an API key for a token (`POST /api/v1/auth/token`). */
  onExchange: (apiKey: string) => Promise<string>;
  /** Why the last session ended (an expired token, say); null on a first visit. */
  reason: string | null;
}

export function SignInPage({ onSignIn, onExchange, reason }: Props) {
  const [kind, setKind] = useState<"token" | "key">("token");
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(kind === "token" ? token.trim() : await onExchange(token.trim()));
    } catch (caught) {
      setError(messageOf(caught));
      setBusy(false);
    }
  }

  return (
    <div className="signin">
      <form className="card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Quarry</h1>
        {reason && (
          <p className="notice" role="alert">
            {reason}
          </p>
        )}
        <div className="segmented" role="radiogroup" aria-label="Sign in with">
          <label className={kind === "token" ? "on" : ""}>
            <input type="radio" name="kind" checked={kind === "token"} onChange={() => setKind("token")} /> a token
          </label>
          <label className={kind === "key" ? "on" : ""}>
            <input type="radio" name="kind" checked={kind === "key"} onChange={() => setKind("key")} /> an API key
          </label>
        </div>
        <label htmlFor="token">{kind === "token" ? "Token" : "API key"}</label>
        <textarea
          id="token"
          name="token"
          rows={4}
          autoFocus
          spellCheck={false}
          autoComplete="off"
          placeholder={kind === "token" ? "eyJhbGciOi…" : "qk_…"}
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <p className="hint">
          {kind === "token" ? (
            <>
              <code>make run</code> prints an admin token on its first start; <code>quarry token create --tenant NAME --role editor</code> makes others.
            </>
          ) : (
            <>An admin makes API keys under Settings; the key is exchanged for a token that lasts an hour at most.</>
          )}{" "}
          The token stays in this tab only.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </div>
  );
}
