import { useEffect, useRef, useState } from "react";
import { Api, ApiError } from "../api/client";
import type { Box } from "../api/types";
import { boxToUserSpace, cornersToRect, fitScale, PixelRect } from "./geometry";
import { openPdf, PdfDocument } from "./pdfjs";

interface Props {
  api: Api;
  documentId: string;
  title: string;
  /** The page to open at, from 1. */
  page: number;
  /** The cited lines; those on the page shown are highlighted. */
  boxes: Box[];
}

/** One PDF page at a time, drawn by pdf.js, with the cited lines' boxes drawn over it. */
export function PdfViewer({ api, documentId, title, page, boxes }: Props) {
  const [pdf, setPdf] = useState<PdfDocument | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState(page);
  const [highlights, setHighlights] = useState<(PixelRect & { box: Box })[]>([]);
  const [scale, setScale] = useState(1);
  const frame = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => setShown(page), [page, documentId]);

  useEffect(() => {
    let open: PdfDocument | null = null;
    let canceled = false;
    setPdf(null);
    setError(null);
    api
      .bytes(`/api/v1/documents/${encodeURIComponent(documentId)}/content`)
      .then(openPdf)
      .then((document) => {
        open = document;
        if (canceled) void document.destroy();
        else setPdf(document);
      })
      .catch((caught: unknown) => {
        if (!canceled) setError(caught instanceof ApiError ? caught.message : `The PDF could not be shown: ${String(caught)}`);
      });
    return () => {
      canceled = true;
      if (open) void open.destroy();
    };
  }, [api, documentId]);

  useEffect(() => {
    if (!pdf || !canvas.current || !frame.current) return;
    let canceled = false;
    let task: { cancel(): void } | null = null;
    const target = canvas.current;
    // Room for the page and a vertical scroll bar beside it.
    const available = frame.current.clientWidth - 20;
    void (async () => {
      try {
        const pdfPage = await pdf.getPage(Math.min(Math.max(1, shown), pdf.numPages));
        if (canceled) return;
        const cssScale = fitScale(pdfPage.view[2] - pdfPage.view[0], available);
        const viewport = pdfPage.getViewport({ scale: cssScale });
        // Drawn at the screen's pixel density, laid out in CSS pixels.
        const density = window.devicePixelRatio || 1;
        target.width = Math.floor(viewport.width * density);
        target.height = Math.floor(viewport.height * density);
        target.style.width = `${viewport.width}px`;
        target.style.height = `${viewport.height}px`;
        const context = target.getContext("2d");
        if (!context) throw new Error("this browser cannot draw on a canvas");
        const render = pdfPage.render({ canvasContext: context, viewport, transform: density === 1 ? undefined : [density, 0, 0, density, 0, 0] });
        task = render;
        await render.promise;
        if (canceled) return;
        setScale(cssScale);
        setHighlights(
          boxes
            .filter((box) => box.page === shown)
            .map((box) => ({ box, ...cornersToRect(viewport.convertToViewportRectangle(boxToUserSpace(box, pdfPage.view))) })),
        );
      } catch (caught) {
        if (!canceled && !(caught instanceof Error && caught.name === "RenderingCancelledException")) {
          setError(`Page ${shown} could not be drawn: ${String(caught)}`);
        }
      }
    })();
    return () => {
      canceled = true;
      task?.cancel();
    };
  }, [pdf, shown, boxes]);

  // The first cited line a third of the way down the viewer; the viewer alone scrolls, never the page.
  useEffect(() => {
    const viewer = frame.current;
    const first = viewer?.querySelector<HTMLElement>(".highlight");
    if (viewer && first) viewer.scrollTo({ top: Math.max(0, first.offsetTop - viewer.clientHeight / 3), behavior: "smooth" });
  }, [highlights]);

  const pages = pdf?.numPages ?? 0;
  return (
    <div className="viewer" aria-label={`${title}, page ${shown}`}>
      <div className="viewer-bar">
        <button type="button" onClick={() => setShown((n) => n - 1)} disabled={shown <= 1} aria-label="Previous page">
          ‹
        </button>
        <span>{pages ? `page ${shown} of ${pages}` : "loading…"}</span>
        <button type="button" onClick={() => setShown((n) => n + 1)} disabled={!pages || shown >= pages} aria-label="Next page">
          ›
        </button>
        {shown !== page && (
          <button type="button" className="link" onClick={() => setShown(page)}>
            back to the cited page {page}
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="page-frame" ref={frame}>
        <div className="pdf-page" data-page={shown} data-scale={scale}>
          <canvas ref={canvas} aria-label={`page ${shown} of ${title}`} />
          {highlights.map((rect, index) => (
            <div
              key={index}
              className="highlight"
              data-box={JSON.stringify(rect.box)}
              style={{ left: rect.left, top: rect.top, width: rect.width, height: rect.height }}
            />
          ))}
        </div>
      </div>
    </div>
  );
}
