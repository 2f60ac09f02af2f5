import { FormEvent, useCallback, useEffect, useState } from "react";
import { Api, ApiError, messageOf } from "../api/client";
import type { Me } from "../api/types";
import { ErrorBanner } from "../app/ErrorBanner";
import { time } from "../app/format";
import { canEdit } from "../app/session";

interface CredentialType {
  name: string;
  description: string;
  fields: { name: string; secret: boolean; required: boolean; description: string }[];
  one_of: string[];
  together: string[];
}

interface Credential {
  id: string;
  type: string;
  name: string;
  fields: Record<string, string>;
  secret_fields: string[];
  updated_at: string;
}

/** Credentials (secret fields write-only: sealed at rest, never shown again) and, for admins, API keys and tokens. */
export function SettingsPage({ api, me }: { api: Api; me: Me }) {
  return (
    <section aria-labelledby="settings-title">
      <header className="page-header">
        <h1 id="settings-title">Settings</h1>
        <p className="muted">
          Tenant <strong>{me.tenant}</strong>, signed in as {me.sub} ({me.roles.join(", ")}).
        </p>
      </header>
      <Credentials api={api} editor={canEdit(me)} />
      {me.roles.includes("admin") && <APIKeys api={api} />}
      {me.roles.includes("admin") && <Tokens api={api} />}
    </section>
  );
}

function Credentials({ api, editor }: { api: Api; editor: boolean }) {
  const [types, setTypes] = useState<CredentialType[]>([]);
  const [credentials, setCredentials] = useState<Credential[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [type, setType] = useState("");
  const [name, setName] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [fieldError, setFieldError] = useState<{ field: string | null; message: string } | null>(null);

  const refresh = useCallback(async () => {
    try {
      setCredentials((await api.json<{ credentials: Credential[] }>("GET", "/api/v1/credentials?limit=100")).credentials);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }, [api]);

  useEffect(() => {
    void refresh();
    api
      .json<{ types: CredentialType[] }>("GET", "/api/v1/credential-types")
      .then((list) => {
        setTypes(list.types);
        setType((current) => current || list.types[0]?.name || "");
      })
      .catch((caught: unknown) => setError(messageOf(caught)));
  }, [api, refresh]);

  const chosen = types.find((each) => each.name === type);

  async function create(event: FormEvent) {
    event.preventDefault();
    setFieldError(null);
    try {
      const filled = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== ""));
      await api.json("POST", "/api/v1/credentials", { type, name, fields: filled });
      setName("");
      setFields({});
      await refresh();
    } catch (caught) {
      if (caught instanceof ApiError) setFieldError({ field: caught.field, message: caught.message });
      else setError(String(caught));
    }
  }

  async function remove(credential: Credential) {
    if (!window.confirm(`Delete the credential “${credential.name}”? Workflows that use it will fail.`)) return;
    try {
      await api.json("DELETE", `/api/v1/credentials/${encodeURIComponent(credential.id)}`);
      await refresh();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <div className="card settings-card">
      <h2>Credentials</h2>
      <p className="muted small">Connectors and http_request nodes name a credential by its id. Secret fields are sealed at rest and never shown again.</p>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {credentials && credentials.length === 0 && <p className="muted">No credentials yet.</p>}
      {credentials && credentials.length > 0 && (
        <table className="documents">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Fields</th>
              <th scope="col">Updated</th>
              {editor && <th scope="col"><span className="visually-hidden">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {credentials.map((credential) => (
              <tr key={credential.id} data-credential={credential.id}>
                <td>
                  <div className="name">{credential.name}</div>
                  <code className="small">{credential.id}</code>
                </td>
                <td>{credential.type}</td>
                <td className="small">
                  {Object.entries(credential.fields).map(([field, value]) => (
                    <div key={field}>
                      {field}: {value}
                    </div>
                  ))}
                  {credential.secret_fields.map((field) => (
                    <div key={field} className="muted">
                      {field}: •••• (write-only)
                    </div>
                  ))}
                </td>
                <td>{time(credential.updated_at)}</td>
                {editor && (
                  <td>
                    <button type="button" className="danger small" onClick={() => void remove(credential)}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editor && chosen && (
        <form className="credential-form" onSubmit={create}>
          <h3>New credential</h3>
          <label htmlFor="credential-type">Type</label>
          <select
            id="credential-type"
            value={type}
            onChange={(event) => {
              setType(event.target.value);
              setFields({});
              setFieldError(null);
            }}
          >
            {types.map((each) => (
              <option key={each.name} value={each.name}>
                {each.name}
              </option>
            ))}
          </select>
          <p className="help">{chosen.description}</p>
          <label htmlFor="credential-name">Name</label>
          <input id="credential-name" value={name} onChange={(event) => setName(event.target.value)} placeholder="Support bot" />
          {fieldError?.field === "/name" && <p className="field-error">{fieldError.message}</p>}
          {chosen.fields.map((field) => (
            <div key={field.name} className="field">
              <label htmlFor={`credential-${field.name}`}>
                {field.name}
                {field.required && <span className="required"> *</span>}
                {field.secret && <span className="muted small"> (secret, write-only)</span>}
              </label>
              {field.name.endsWith("_json") || field.name === "private_key" ? (
                <textarea
                  id={`credential-${field.name}`}
                  rows={3}
                  spellCheck={false}
                  autoComplete="off"
                  value={fields[field.name] ?? ""}
                  onChange={(event) => setFields({ ...fields, [field.name]: event.target.value })}
                />
              ) : (
                <input
                  id={`credential-${field.name}`}
                  type={field.secret ? "password" : "text"}
                  autoComplete={field.secret ? "new-password" : "off"}
                  spellCheck={false}
                  value={fields[field.name] ?? ""}
                  onChange={(event) => setFields({ ...fields, [field.name]: event.target.value })}
                />
              )}
              <p className="help">{field.description}</p>
              {fieldError?.field === `/fields/${field.name}` && (
                <p className="field-error" role="alert">
                  {fieldError.message}
                </p>
              )}
            </div>
          ))}
          {chosen.one_of.length > 0 && <p className="help">At least one of: {chosen.one_of.join(", ")}.</p>}
          {fieldError && !fieldError.field?.startsWith("/fields/") && fieldError.field !== "/name" && (
            <p className="field-error" role="alert">
              {fieldError.message}
            </p>
          )}
          <button type="submit" disabled={name.trim() === ""}>
            Save credential
          </button>
        </form>
      )}
    </div>
  );
}

function Tokens({ api }: { api: Api }) {
  const [sub, setSub] = useState("");
  const [role, setRole] = useState("viewer");
  const [hours, setHours] = useState(24);
  const [minted, setMinted] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function mint(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const answer = await api.json<{ token: string }>("POST", "/api/v1/tokens", { sub, role, ttl_seconds: Math.round(hours * 3600) });
      setMinted(answer.token);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <div className="card settings-card">
      <h2>Tokens</h2>
      <p className="muted small">A token for a person or a program of this tenant. It is shown once: Quarry keeps no list of tokens.</p>
      <form className="token-form" onSubmit={mint}>
        <label htmlFor="token-sub">For (subject)</label>
        <input id="token-sub" value={sub} onChange={(event) => setSub(event.target.value)} placeholder="ci-indexer" />
        <label htmlFor="token-role">Role</label>
        <select id="token-role" value={role} onChange={(event) => setRole(event.target.value)}>
          <option value="viewer">viewer: reads and asks</option>
          <option value="editor">editor: also uploads, edits and runs</option>
          <option value="admin">admin: also makes tokens</option>
        </select>
        <label htmlFor="token-hours">Valid for (hours)</label>
        <input id="token-hours" type="number" min={1} value={hours} onChange={(event) => setHours(Number(event.target.value))} />
        <button type="submit" disabled={sub.trim() === ""}>
          Make a token
        </button>
      </form>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {minted && (
        <div className="minted">
          <label htmlFor="minted-token">The new token (copy it now)</label>
          <textarea id="minted-token" readOnly rows={3} value={minted} onFocus={(event) => event.target.select()} />
        </div>
      )}
    </div>
  );
}

interface APIKey {
  id: string;
  name: string;
  role: string;
  created_at: string;
  expires_at: string | null;
  key?: string | null;
}

function APIKeys({ api }: { api: Api }) {
  const [keys, setKeys] = useState<APIKey[] | null>(null);
  const [name, setName] = useState("");
  const [role, setRole] = useState("viewer");
  const [days, setDays] = useState("");
  const [made, setMade] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setKeys((await api.json<{ api_keys: APIKey[] }>("GET", "/api/v1/api-keys?limit=100")).api_keys);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }, [api]);
  useEffect(() => void refresh(), [refresh]);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const answer = await api.json<APIKey>("POST", "/api/v1/api-keys", { name, role, ...(days ? { ttl_days: Number(days) } : {}) });
      setMade(answer.key ?? null);
      setName("");
      await refresh();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  async function revoke(key: APIKey) {
    if (!window.confirm(`Revoke “${key.name}”? Programs using it are refused from now on.`)) return;
    try {
      await api.json("DELETE", `/api/v1/api-keys/${encodeURIComponent(key.id)}`);
      await refresh();
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  return (
    <div className="card settings-card">
      <h2>API keys</h2>
      <p className="muted small">
        For programs and people who sign in again and again: a key is exchanged at <code>POST /api/v1/auth/token</code> (or on the sign-in page) for a token
        that lasts an hour at most. Quarry keeps only a digest of each key: it is shown once.
      </p>
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {keys && keys.length > 0 && (
        <table className="documents">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Made</th>
              <th scope="col">Expires</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} data-api-key={key.id}>
                <td>{key.name}</td>
                <td>{key.role}</td>
                <td>{time(key.created_at)}</td>
                <td>{key.expires_at ? time(key.expires_at) : "when revoked"}</td>
                <td>
                  <button type="button" className="danger small" onClick={() => void revoke(key)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="token-form key-form" onSubmit={create}>
        <label htmlFor="key-name">Name</label>
        <input id="key-name" value={name} onChange={(event) => setName(event.target.value)} placeholder="nightly indexer" />
        <label htmlFor="key-role">Role</label>
        <select id="key-role" value={role} onChange={(event) => setRole(event.target.value)}>
          <option value="viewer">viewer</option>
          <option value="editor">editor</option>
          <option value="admin">admin</option>
        </select>
        <label htmlFor="key-days">Valid for (days; empty: until revoked)</label>
        <input id="key-days" type="number" min={1} max={3650} value={days} onChange={(event) => setDays(event.target.value)} />
        <button type="submit" disabled={name.trim() === ""}>
          Make an API key
        </button>
      </form>
      {made && (
        <div className="minted">
          <label htmlFor="made-key">The new key (copy it now)</label>
          <textarea id="made-key" readOnly rows={2} value={made} onFocus={(event) => event.target.select()} />
        </div>
      )}
    </div>
  );
}
