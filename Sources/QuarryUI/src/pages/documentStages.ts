import type { DocumentBody, DocumentStatus } from "../api/types";

/** States a document does not leave by itself. */
export const finalStatuses: ReadonlySet<DocumentStatus> = new Set(["indexed", "failed", "needs_ocr", "canceled"]);

export const statusLabels: Record<DocumentStatus, string> = {
  queued: "queued",
  parsing: "parsing",
  parsed: "parsed",
  chunking: "chunking",
  embedding: "embedding",
  indexed: "indexed",
  failed: "failed",
  needs_ocr: "needs OCR",
  canceled: "canceled",
};

/** How far through queued → parsing → chunking → embedding → indexed, from 0 to 1; embedding moves with its chunks; a document that ended is done. */
export function documentProgress(document: DocumentBody): number {
  const { stage, stages, chunks, chunks_indexed } = document.progress;
  if (finalStatuses.has(document.status)) return 1;
  if (stages <= 0) return 0;
  const within = document.status === "embedding" && chunks > 0 ? chunks_indexed / chunks : 0;
  return Math.min(1, (stage + within) / stages);
}

export function documentName(document: DocumentBody): string {
  return document.title || document.source.filename || document.source.uri;
}
