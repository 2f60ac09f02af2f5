/** The pages, as `#/<id>[/<param>]` in the address bar (a hash: the server needs no route per page). */
export const routes = [
  { id: "documents", label: "Documents" },
  { id: "ask", label: "Ask" },
  { id: "index-jobs", label: "Index jobs" },
  { id: "workflows", label: "Workflows" },
  { id: "eval", label: "Eval" },
  { id: "settings", label: "Settings" },
] as const;

export type Page = (typeof routes)[number]["id"];

export interface Route {
  page: Page;
  /** What follows the page: a workflow's id. */
  param: string | null;
}

export function currentRoute(): Route {
  const [id, ...rest] = window.location.hash.replace(/^#\/?/, "").split("/");
  const page = routes.find((route) => route.id === id)?.id ?? "documents";
  const param = rest.length ? decodeURIComponent(rest.join("/")) : null;
  return { page, param: param || null };
}

export function go(page: Page, param: string | null = null): void {
  window.location.hash = `#/${page}${param ? `/${encodeURIComponent(param)}` : ""}`;
}
