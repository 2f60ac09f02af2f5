import assert from "node:assert/strict";
import test from "node:test";
import { findPassage, snippetPieces, splitCitations } from "../../../Sources/QuarryUI/src/pages/answerText";

test("an answer splits at its citation markers and keeps the text between them", () => {
  assert.deepEqual(splitCitations("Tides rise twice [1], as noted [2][3]."), [
    { text: "Tides rise twice " },
    { citation: 1 },
    { text: ", as noted " },
    { citation: 2 },
    { citation: 3 },
    { text: "." },
  ]);
});

test("brackets that are not markers stay text", () => {
  assert.deepEqual(splitCitations("an array a[i] or [x]"), [{ text: "an array a[i] or [x]" }]);
});

test("a snippet is found in the chunk's text even where whitespace differs and ellipses trim it", () => {
  const text = "Header\nThe warranty covers\n  parts and labour for two years. Other text.";
  const span = findPassage(text, "…The warranty covers parts and labour…");
  assert.ok(span);
  assert.equal(text.slice(span[0], span[1]), "The warranty covers\n  parts and labour");
});

test("a snippet with regular expression characters is matched literally, and a missing one is null", () => {
  assert.deepEqual(findPassage("costs (about) $5.00 each", "(about) $5.00"), [6, 19]);
  assert.equal(findPassage("nothing here", "absent words"), null);
});

test("a snippet's marks become marked pieces, and any other markup stays text", () => {
  assert.deepEqual(snippetPieces("the <mark>tide</mark> rises <b>twice</b>"), [
    { text: "the ", marked: false },
    { text: "tide", marked: true },
    { text: " rises <b>twice</b>", marked: false },
  ]);
});

test("a marked snippet is still found in the chunk's text", () => {
  const text = "High water comes twice a day at the harbour.";
  const span = findPassage(text, "High <mark>water</mark> comes twice");
  assert.ok(span);
  assert.equal(text.slice(span[0], span[1]), "High water comes twice");
});
