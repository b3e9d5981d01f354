// Perplexity vs sparsity, one line per method (the rows `sweep` returns: one record per method × sparsity,
// plus a `dense` row drawn as a dashed reference line). Log-scale perplexity.
import { SweepRow } from '../experiments/sweep';
import { PlotOptions, PlotSpec, PlotTrace, baseLayout, finiteOrNull, seriesColor } from './spec';

/** The fields of a SweepRow the plot reads. */
export type PerplexityPoint = Pick<SweepRow, 'label' | 'sparsity' | 'ppl'> & Partial<Pick<SweepRow, 'achieved' | 'paramSparsity'>>;

/** Options of `perplexityPlot`. */
export interface PerplexityPlotOptions extends PlotOptions {
  /** x: the target sparsity (default), the achieved unit-cost sparsity, or the parameter sparsity. */
  x?: 'sparsity' | 'achieved' | 'paramSparsity';
  /** Log-scale perplexity (default true). */
  log?: boolean;
  /** Label of the reference row (default 'dense'). */
  denseLabel?: string;
}

const X_TITLES = { sparsity: 'target sparsity (unit cost)', achieved: 'achieved sparsity (unit cost)', paramSparsity: 'parameter sparsity' } as const;

/**
 * One line (with markers) per label, ordered by x; the dense row, if any, as a dashed line across the
 * sparsity range. Labels keep their first-seen order and colour.
 * @param rows sweep rows (any order).
 * @param options title (default 'Perplexity vs sparsity'), height (default 420), x (default 'sparsity'), log (default true).
 */
export function perplexityPlot(rows: readonly PerplexityPoint[], options: PerplexityPlotOptions = {}): PlotSpec {
  const xKey = options.x ?? 'sparsity';
  const log = options.log ?? true;
  const denseLabel = options.denseLabel ?? 'dense';
  if (rows.length === 0) throw new RangeError('perplexityPlot: no rows; pass the records `sweep` returns');
  const xOf = (r: PerplexityPoint): number => {
    const v = r[xKey];
    if (v === undefined) throw new RangeError(`perplexityPlot: row "${r.label}" at sparsity ${r.sparsity} has no "${xKey}"`);
    return v;
  };
  const labels = [...new Set(rows.filter((r) => r.label !== denseLabel).map((r) => r.label))];
  const data: PlotTrace[] = labels.map((label, i) => {
    const pts = rows.filter((r) => r.label === label).sort((a, b) => xOf(a) - xOf(b));
    return {
      type: 'scatter',
      mode: 'lines+markers',
      name: label,
      x: pts.map(xOf),
      y: pts.map((r) => finiteOrNull(r.ppl, log)),
      line: { color: seriesColor(i) },
      hovertemplate: `${label}: s=%{x:.3f}, ppl=%{y:.3f}<extra></extra>`,
    };
  });
  const dense = rows.find((r) => r.label === denseLabel);
  if (dense) {
    const xs = rows.filter((r) => r.label !== denseLabel).map(xOf);
    const x0 = Math.min(0, ...xs);
    const x1 = Math.max(0, ...xs);
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `${denseLabel} (${dense.ppl.toFixed(3)})`,
      x: [x0, x1],
      y: [dense.ppl, dense.ppl],
      line: { color: '#333', dash: 'dash', width: 1 },
      hovertemplate: `${denseLabel}: ppl=%{y:.3f}<extra></extra>`,
    });
  }
  return {
    data,
    layout: {
      ...baseLayout(options.title ?? 'Perplexity vs sparsity', options.height ?? 420),
      xaxis: { title: { text: X_TITLES[xKey] } },
      yaxis: { title: { text: 'perplexity' }, type: log ? 'log' : 'linear' },
    },
  };
}
