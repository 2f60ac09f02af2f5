import type { Box } from "../api/types";

/**
 * A citation's box (PDF points, origin at the top left of the page's crop box, as Quarry's parser
 * measures it) as a rectangle in PDF user space (origin at the bottom left), which pdf.js turns
 * into pixels for any scale and rotation. `view` is the page's crop box [xMin, yMin, xMax, yMax].
 */
export function boxToUserSpace(box: Box, view: number[]): [number, number, number, number] {
  const [xMin, , , yMax] = view;
  return [xMin + box.x0, yMax - box.y1, xMin + box.x1, yMax - box.y0];
}

export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Two corners in any order → left, top, width, height. */
export function cornersToRect(corners: number[]): PixelRect {
  const [x1, y1, x2, y2] = corners;
  return { left: Math.min(x1, x2), top: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
}

/** The scale at which a page `pageWidth` points wide fills `available` pixels, within sane bounds. */
export function fitScale(pageWidth: number, available: number): number {
  if (pageWidth <= 0 || available <= 0) return 1;
  return Math.min(3, Math.max(0.5, available / pageWidth));
}
