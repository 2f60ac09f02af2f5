import type { ErrorBody } from "./types";

/** An answer other than 2xx, in the API's one error shape (or what the UI could make of it). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }

  /** The error of a response body that may or may not be the API's error shape. */
  static from(status: number, text: string): ApiError {
    try {
      const body = JSON.parse(text) as Partial<ErrorBody>;
      if (body.error && typeof body.error.message === "string") {
        return new ApiError(status, body.error.code ?? "error", body.error.message, body.error.field ?? null);
      }
    } catch {
      // not JSON: a proxy's page, say
    }
    const reason = status === 0 ? "the server could not be reached" : `the server answered ${status}`;
    return new ApiError(status, status === 0 ? "unreachable" : "error", reason);
  }
}

/** What to tell a person about a failure: the API's message, or what else went wrong. */
export function messageOf(caught: unknown): string {
  return caught instanceof ApiError ? caught.message : caught instanceof Error ? caught.message : String(caught);
}

/** An API key's token, from the one route that takes no token (`POST /api/v1/auth/token`). */
export async function exchangeAPIKey(apiKey: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch("/api/v1/auth/token", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ api_key: apiKey }),
    });
  } catch {
    throw ApiError.from(0, "");
  }
  if (!response.ok) throw ApiError.from(response.status, await response.text());
  return ((await response.json()) as { token: string }).token;
}

/**
 * Calls the API with the signed-in token. A 401 ends the session (the token expired or was
 * revoked): `onUnauthorized` hears the server's reason and the UI returns to sign-in with it.
 */
export class Api {
  constructor(
    readonly token: string,
    private readonly onUnauthorized: (reason: string) => void,
  ) {}

  get headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}` };
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(method, path, body);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  async bytes(path: string): Promise<ArrayBuffer> {
    return (await this.fetch("GET", path)).arrayBuffer();
  }

  /** The response when it is 2xx; otherwise throws its ``ApiError``. */
  async fetch(method: string, path: string, body?: unknown, accept = "application/json"): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, Accept: accept };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, "unreachable", "the server could not be reached: is quarry serve running?");
    }
    if (!response.ok) throw this.failure(response.status, await response.text());
    return response;
  }

  /** Turns a failed answer into an error, ending the session on 401. */
  failure(status: number, text: string): ApiError {
    const error = ApiError.from(status, text);
    if (status === 401) this.onUnauthorized(error.message);
    return error;
  }

  /**
   * Uploads one file as multipart/form-data with XMLHttpRequest, the one browser API that reports
   * upload progress.
   */
  upload<T>(path: string, file: File, onProgress: (sent: number, total: number) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", path);
      request.setRequestHeader("Authorization", `Bearer ${this.token}`);
      request.setRequestHeader("Accept", "application/json");
      request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
      request.onload = () => {
        if (request.status >= 200 && request.status < 300) resolve(JSON.parse(request.responseText) as T);
        else reject(this.failure(request.status, request.responseText));
      };
      request.onerror = () => reject(ApiError.from(0, ""));
      const form = new FormData();
      form.append("file", file, file.name);
      request.send(form);
    });
  }
}
