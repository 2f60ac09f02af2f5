import type { Me } from "../api/types";

/**
 * The signed-in token lives in this tab's session storage: gone when the tab closes, never in a
 * URL, never in local storage where every tab and every later visitor of the machine could read it.
 */
const key = "quarry.token";

export interface Session {
  token: string;
  me: Me;
}

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(key, token);
    else sessionStorage.removeItem(key);
  } catch {
    // storage refused (a private window's quota): the token stays in memory for this page only
  }
}

export function canEdit(me: Me): boolean {
  return me.roles.includes("editor") || me.roles.includes("admin");
}
