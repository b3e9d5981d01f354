// Plot specs: the plotly `{data, layout}` objects every plot function returns, and the small shared pieces
// they are built from (palette, subplot grids, number sanitising). Plain JSON-able host data: a spec can be
// printed, snapshotted, saved, or drawn by `Plotly.newPlot(div, spec.data, spec.layout)`. Only
// notebook.ts and html.ts turn a spec into something a browser draws; nothing here touches a DOM.

/** One plotly trace. Only the fields this project uses are typed; any other plotly attribute may be added. */
export interface PlotTrace {
  type: 'scatter' | 'bar';
  name?: string;
  x: (number | string | null)[];
  y: (number | string | null)[];
  /** scatter: 'lines' | 'markers' | 'lines+markers'. */
  mode?: string;
  /** Axis ids ('x', 'x2', …; 'y', 'y2', …) for subplots. */
  xaxis?: string;
  yaxis?: string;
  line?: { color?: string; dash?: string; width?: number; shape?: string };
  marker?: { color?: string | string[]; size?: number; symbol?: string };
  text?: string[];
  hovertemplate?: string;
  showlegend?: boolean;
  legendgroup?: string;
  [attribute: string]: unknown;
}

/** A plotly figure: `Plotly.newPlot(div, data, layout)`. */
export interface PlotSpec {
  data: PlotTrace[];
  layout: Record<string, unknown>;
}

/** Colours: one per series (Tableau 10), and the two roles of a mask. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const KEPT_COLOR = '#4e79a7';
export const REMOVED_COLOR = '#e15759';

/** Colour of series i (cycles through PALETTE). */
export function seriesColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** Options every plot function accepts. */
export interface PlotOptions {
  /** Title shown above the plot (each function has a default). */
  title?: string;
  /** Height in pixels (each function has a default); width follows the container. */
  height?: number;
}

/** The layout fields shared by every plot. */
export function baseLayout(title: string, height: number): Record<string, unknown> {
  return {
    title: { text: title },
    height,
    margin: { l: 70, r: 20, t: 50, b: 50 },
    font: { family: 'Liberation Sans, Arial, sans-serif', size: 12 },
    legend: { orientation: 'h', y: -0.15 },
    hovermode: 'closest',
  };
}

/** Axis id for subplot k (0-based): 'x', 'x2', … (`letter` 'x' or 'y'). */
export function axisId(letter: 'x' | 'y', k: number): string {
  return k === 0 ? letter : `${letter}${k + 1}`;
}

/** Layout key for subplot k: 'xaxis', 'xaxis2', … */
export function axisKey(letter: 'x' | 'y', k: number): string {
  return k === 0 ? `${letter}axis` : `${letter}axis${k + 1}`;
}

/**
 * Axes of `n` subplots in a grid of `columns` columns, filled row by row from the top; gaps are fractions
 * of the figure. Returns the layout entries (`xaxis…`, `yaxis…` with domains and anchors) to spread into a
 * layout; callers add titles/types to them.
 */
export function gridAxes(n: number, columns: number, gap = { x: 0.08, y: 0.1 }): Record<string, Record<string, unknown>> {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`gridAxes: n = ${n} must be an integer ≥ 1`);
  const cols = Math.max(1, Math.min(columns, n));
  const rows = Math.ceil(n / cols);
  const w = (1 - gap.x * (cols - 1)) / cols;
  const h = (1 - gap.y * (rows - 1)) / rows;
  const out: Record<string, Record<string, unknown>> = {};
  for (let k = 0; k < n; k++) {
    const r = Math.floor(k / cols);
    const c = k % cols;
    const x0 = c * (w + gap.x);
    const y1 = 1 - r * (h + gap.y);
    out[axisKey('x', k)] = { domain: [x0, x0 + w], anchor: axisId('y', k) };
    out[axisKey('y', k)] = { domain: [y1 - h, y1], anchor: axisId('x', k) };
  }
  return out;
}

/** x as a plain finite number, or null (plotly leaves a gap); with `positive`, also null when x ≤ 0 (log axes). */
export function finiteOrNull(x: number | null | undefined, positive = false): number | null {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  return positive && x <= 0 ? null : x;
}

/** Short module label: 'layers.3.ffn' → 'L3 ffn'; anything else unchanged. */
export function moduleLabel(id: string): string {
  const m = /^layers\.(\d+)\.(\w+)$/.exec(id);
  return m ? `L${m[1]} ${m[2]}` : id;
}

/**
 * Number of traces and of drawn points a browser should show for a spec; used by the DOM check. Measured
 * on plotly.js 4.1: a trace with no x values draws no `g.trace`; a scatter marker is drawn only at a
 * finite y (and x), > 0 on a log axis; a bar gets a `.point` element for every x, even when its y is null.
 */
export function expectedMarks(spec: PlotSpec): { traces: number; points: number } {
  let points = 0;
  let traces = 0;
  for (const t of spec.data) {
    if (t.x.length === 0) continue;
    traces++;
    if (t.type === 'bar') {
      points += t.x.length;
      continue;
    }
    if (!(t.mode ?? 'lines+markers').includes('markers')) continue;
    const logY = isLogAxis(spec, 'y', t.yaxis ?? 'y');
    const logX = isLogAxis(spec, 'x', t.xaxis ?? 'x');
    for (let i = 0; i < t.y.length; i++) {
      const y = t.y[i];
      const x = t.x[i];
      const okY = typeof y === 'string' || (typeof y === 'number' && Number.isFinite(y) && (!logY || y > 0));
      const okX = typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x) && (!logX || x > 0));
      if (okX && okY) points++;
    }
  }
  return { traces, points };
}

function isLogAxis(spec: PlotSpec, letter: 'x' | 'y', id: string): boolean {
  const k = id === letter ? 0 : Number(id.slice(1)) - 1;
  const axis = spec.layout[axisKey(letter, k)] as { type?: string } | undefined;
  return axis?.type === 'log';
}
