/** An answer's text split at its `[n]` markers, so that each can point at its citation. */
export type AnswerPiece = { text: string } | { citation: number };

export function splitCitations(text: string): AnswerPiece[] {
  const pieces: AnswerPiece[] = [];
  let last = 0;
  for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
    const at = match.index ?? 0;
    if (at > last) pieces.push({ text: text.slice(last, at) });
    pieces.push({ citation: Number(match[1]) });
    last = at + match[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

/**
 * A snippet as the API writes it, the query's words inside `<mark>…</mark>`, as pieces of text to
 * show (never as HTML: the rest of the snippet is the document's own text).
 */
export function snippetPieces(snippet: string): { text: string; marked: boolean }[] {
  return snippet
    .split(/(<mark>[\s\S]*?<\/mark>)/)
    .filter((piece) => piece !== "")
    .map((piece) => (piece.startsWith("<mark>") && piece.endsWith("</mark>") ? { text: piece.slice(6, -7), marked: true } : { text: piece, marked: false }));
}

/** Where `snippet` sits in `text` (its marks left out; whitespace may differ), or null. */
export function findPassage(text: string, snippet: string): [number, number] | null {
  const words = snippetPieces(snippet)
    .map((piece) => piece.text)
    .join("")
    .trim().replace(/^…|…$/g, "").trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const escaped = words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const match = new RegExp(escaped.join("\\s+")).exec(text);
  return match ? [match.index, match.index + match[0].length] : null;
}
