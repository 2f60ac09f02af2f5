// The part of pdf.js (Debian's libjs-pdf 2.14) the viewer uses. pdf.js is not in the app's
// bundle: it loads from its own hashed file the first time a PDF opens.

export interface PdfViewport {
  width: number;
  height: number;
  scale: number;
  /** PDF user space [x1, y1, x2, y2] → CSS pixels of this viewport, corners in any order. */
  convertToViewportRectangle(rect: number[]): number[];
}

export interface PdfRenderTask {
  promise: Promise<void>;
  cancel(): void;
}

export interface PdfPage {
  /** The crop box in user space: [xMin, yMin, xMax, yMax]. */
  view: number[];
  getViewport(options: { scale: number }): PdfViewport;
  render(options: { canvasContext: CanvasRenderingContext2D; viewport: PdfViewport; transform?: number[] }): PdfRenderTask;
  cleanup(): void;
}

export interface PdfDocument {
  numPages: number;
  getPage(number: number): Promise<PdfPage>;
  destroy(): Promise<void>;
}

interface PdfJs {
  GlobalWorkerOptions: { workerSrc: string };
  getDocument(source: { data: Uint8Array; isEvalSupported: boolean; disableAutoFetch?: boolean }): { promise: Promise<PdfDocument> };
}

declare global {
  interface Window {
    pdfjsLib?: PdfJs;
  }
}

let loading: Promise<PdfJs> | null = null;

function asset(name: string): string {
  const url = document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;
  if (!url) throw new Error(`index.html names no ${name}: rebuild the UI with scripts/build-ui`);
  return url;
}

/** pdf.js, loaded once by a script tag (the page's CSP allows its own files only). */
export function loadPdfJs(): Promise<PdfJs> {
  loading ??= new Promise<PdfJs>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = asset("quarry-pdfjs");
    script.onload = () => {
      const library = window.pdfjsLib;
      if (!library) return reject(new Error("pdf.js loaded but did not define pdfjsLib"));
      library.GlobalWorkerOptions.workerSrc = asset("quarry-pdfjs-worker");
      resolve(library);
    };
    script.onerror = () => {
      loading = null;
      reject(new Error("pdf.js could not be loaded"));
    };
    document.head.appendChild(script);
  });
  return loading;
}

/** Opens a PDF's bytes; fonts are drawn without `eval`, which the page's CSP forbids. */
export async function openPdf(data: ArrayBuffer): Promise<PdfDocument> {
  const pdfjs = await loadPdfJs();
  return pdfjs.getDocument({ data: new Uint8Array(data), isEvalSupported: false }).promise;
}
