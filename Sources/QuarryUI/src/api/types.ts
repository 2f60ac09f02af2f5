// The API's JSON as the UI reads it (Docs: /api/v1/openapi.json). Only the fields the UI uses.

export interface ErrorBody {
  error: { code: string; message: string; field?: string | null };
}

export interface Me {
  sub: string;
  tenant: string;
  roles: string[];
}

export type DocumentStatus =
  | "queued" | "parsing" | "parsed" | "chunking" | "embedding" | "indexed" | "failed" | "needs_ocr" | "canceled";

export interface DocumentBody {
  id: string;
  title: string | null;
  source: { uri: string; filename: string | null; media_type: string };
  status: DocumentStatus;
  error: string | null;
  pages: number;
  progress: { chunks: number; chunks_indexed: number; stage: number; stages: number };
  created_at: string;
  updated_at: string;
}

export interface DocumentList {
  documents: DocumentBody[];
}

export interface Box {
  page: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Citation {
  number: number;
  document_id: string;
  title: string | null;
  source: string;
  page: number;
  char_start: number;
  char_end: number;
  snippet: string;
  score: number;
  boxes: Box[];
}

export interface Hit {
  chunk_id: string;
  document_id: string;
  title: string | null;
  score: number;
  text: string;
  heading_path: string[];
  page_start: number;
  page_end: number;
}

export interface QueryResponse {
  query: string;
  answer: { text: string; found: boolean } | null;
  citations: Citation[];
  hits: Hit[];
  timings: Record<string, number>;
  cached: boolean;
}

export type RetrievalMode = "hybrid" | "dense" | "sparse";
export type AnswerKind = "extractive" | "llm" | "none";

export interface IndexJob {
  id: string;
  status: string;
  total: number;
  counts: Record<string, number>;
  pages: number;
  chunks: number;
  documents_per_second: number | null;
  pages_per_second: number | null;
  eta_seconds: number | null;
  failures?: { source: string; document_id: string | null; reason: string }[] | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface IndexJobList {
  index_jobs: IndexJob[];
}
