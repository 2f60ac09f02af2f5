/** Runs as points of lines, one line per data set and mode, in the order they were written. */
export interface PlotRun {
  name: string;
  dataset: string;
  mode: string;
  written_at: string;
  value: number;
}

export interface Series {
  key: string;
  points: { x: number; y: number; run: PlotRun }[];
}

/**
 * Places runs on a plot `width` × `height` (inside `margin`): x by the order the runs were
 * written (equal steps: the dates can be minutes or months apart), y from 0 to 1.
 */
export function plotSeries(runs: PlotRun[], width: number, height: number, margin: number): Series[] {
  const ordered = [...runs].sort((a, b) => a.written_at.localeCompare(b.written_at) || a.name.localeCompare(b.name));
  const step = ordered.length > 1 ? (width - 2 * margin) / (ordered.length - 1) : 0;
  const series = new Map<string, Series>();
  ordered.forEach((run, index) => {
    const key = `${run.dataset} · ${run.mode}`;
    const line = series.get(key) ?? series.set(key, { key, points: [] }).get(key)!;
    const x = ordered.length > 1 ? margin + index * step : width / 2;
    const y = margin + (1 - Math.min(1, Math.max(0, run.value))) * (height - 2 * margin);
    line.points.push({ x, y, run });
  });
  return [...series.values()];
}
