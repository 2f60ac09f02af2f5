import { useCallback, useEffect, useMemo, useState } from "react";
import { Api, exchangeAPIKey, messageOf } from "../api/client";
import type { Me } from "../api/types";
import { AskPage } from "../pages/AskPage";
import { DocumentsPage } from "../pages/DocumentsPage";
import { IndexJobsPage } from "../pages/IndexJobsPage";
import { SignInPage } from "../pages/SignInPage";
import { BuilderPage } from "../builder/BuilderPage";
import { EvalPage } from "../pages/EvalPage";
import { SettingsPage } from "../pages/SettingsPage";
import { WorkflowsPage } from "../pages/WorkflowsPage";
import { currentRoute, Route, routes } from "./routes";
import { Session, storedToken, storeToken } from "./session";

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(() => storedToken() !== null);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);
  const [route, setRoute] = useState<Route>(currentRoute);

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const signOut = useCallback((reason: string | null) => {
    storeToken(null);
    setSession(null);
    setEndedBecause(reason);
  }, []);

  const signIn = useCallback(async (token: string): Promise<void> => {
    const probe = new Api(token, () => undefined);
    const me = await probe.json<Me>("GET", "/api/v1/me");
    storeToken(token);
    setEndedBecause(null);
    setSession({ token, me });
  }, []);

  // A token kept from earlier in this tab is checked once before any page shows.
  useEffect(() => {
    const token = storedToken();
    if (!token) return;
    signIn(token)
      .catch((error: unknown) => signOut(messageOf(error)))
      .finally(() => setChecking(false));
  }, [signIn, signOut]);

  const api = useMemo(
    () => (session ? new Api(session.token, (reason) => signOut(`Signed out: ${reason}`)) : null),
    [session, signOut],
  );

  if (checking) return <div className="splash" role="status">Checking your session…</div>;
  if (!session || !api) return <SignInPage onSignIn={signIn} onExchange={exchangeAPIKey} reason={endedBecause} />;

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Quarry</div>
        <ul>
          {routes.map((item) => (
            <li key={item.id}>
              <a href={`#/${item.id}`} aria-current={item.id === route.page ? "page" : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
        <div className="who">
          <div title="signed in as">{session.me.sub}</div>
          <div className="muted">
            tenant {session.me.tenant} · {session.me.roles.join(", ")}
          </div>
          <button type="button" className="link" onClick={() => signOut(null)}>
            Sign out
          </button>
        </div>
      </nav>
      <main className={route.page === "workflows" && route.param ? "content full" : "content"}>
        {route.page === "documents" && <DocumentsPage api={api} me={session.me} />}
        {route.page === "ask" && <AskPage api={api} />}
        {route.page === "index-jobs" && <IndexJobsPage api={api} me={session.me} />}
        {route.page === "workflows" && !route.param && <WorkflowsPage api={api} me={session.me} />}
        {route.page === "eval" && <EvalPage api={api} me={session.me} />}
        {route.page === "settings" && <SettingsPage api={api} me={session.me} />}
        {route.page === "workflows" && route.param && <BuilderPage key={route.param} api={api} me={session.me} workflowId={route.param} />}
      </main>
    </div>
  );
}
