import assert from "node:assert/strict";
import test from "node:test";
import type { DocumentBody } from "../../../Sources/QuarryUI/src/api/types";
import { documentName, documentProgress } from "../../../Sources/QuarryUI/src/pages/documentStages";

function document(change: Partial<DocumentBody>): DocumentBody {
  return {
    id: "d1",
    title: null,
    source: { uri: "upload:paper.pdf", filename: "paper.pdf", media_type: "application/pdf" },
    status: "queued",
    error: null,
    pages: 0,
    progress: { chunks: 0, chunks_indexed: 0, stage: 0, stages: 4 },
    created_at: "2026-12-07T00:00:00Z",
    updated_at: "2026-12-07T00:00:00Z",
    ...change,
  };
}

test("progress moves through the stages and, while embedding, with the chunks indexed", () => {
  assert.equal(documentProgress(document({})), 0);
  assert.equal(documentProgress(document({ status: "parsing", progress: { chunks: 0, chunks_indexed: 0, stage: 1, stages: 4 } })), 0.25);
  assert.equal(documentProgress(document({ status: "embedding", progress: { chunks: 10, chunks_indexed: 5, stage: 3, stages: 4 } })), 0.875);
  assert.equal(documentProgress(document({ status: "indexed", progress: { chunks: 10, chunks_indexed: 10, stage: 4, stages: 4 } })), 1);
  assert.equal(documentProgress(document({ status: "needs_ocr", progress: { chunks: 0, chunks_indexed: 0, stage: 0, stages: 4 } })), 1, "ended, though not indexed");
});

test("a document is named by its title, else its file name, else its source", () => {
  assert.equal(documentName(document({ title: "Tides" })), "Tides");
  assert.equal(documentName(document({})), "paper.pdf");
  assert.equal(documentName(document({ source: { uri: "https://example.org/a", filename: null, media_type: "text/html" } })), "https://example.org/a");
});
