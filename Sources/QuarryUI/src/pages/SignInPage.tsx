import { FormEvent, useState } from "react";
import { messageOf } from "../api/client";

interface Props {
  onSignIn: (token: string) => Promise<void>;
  /** Why the last session ended (an expired token, say); null on a first visit. */
  reason: string | null;
}

export function SignInPage({ onSignIn, reason }: Props) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(token.trim());
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
        <label htmlFor="token">Token</label>
        <textarea
          id="token"
          name="token"
          rows={4}
          autoFocus
          spellCheck={false}
          autoComplete="off"
          placeholder="eyJhbGciOi…"
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <p className="hint">
          <code>make run</code> prints an admin token on its first start; <code>quarry token create --tenant NAME --role editor</code>{" "}
          makes others. The token stays in this tab only.
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
