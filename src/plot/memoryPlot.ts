// Memory vs parameters on log–log axes (METHOD.md §7, the scaling experiment): measured peaks as markers
// with their least-squares power-law fit y = a·N^b as a line (the exponent in the legend), and analytic
// model curves (e.g. OPT/LLaMA sizes) as lines without markers. The fit is the experiment's own
// `powerLawFit` (log–log least squares), so the plot's exponent is the one `structprune memory` reports.
import { powerLawFit } from '../util/numeric';
import { PlotOptions, PlotSpec, PlotTrace, baseLayout, seriesColor } from './spec';

/** One series of `memoryScalingPlot`. */
export interface MemorySeries {
  /** Legend label, e.g. 'structprune peak' or 'OPT (model)'. */
  label: string;
  /** Parameter counts N. */
  params: readonly number[];
  /** Memory in bytes at each N. */
  bytes: readonly number[];
  /** 'measured' (markers + fitted line, default) or 'model' (a line through the points, no fit). */
  kind?: 'measured' | 'model';
}

/** Options of `memoryScalingPlot`. */
export interface MemoryPlotOptions extends PlotOptions {
  /** Fit and draw a power law for measured series (default true). */
  fit?: boolean;
}

/**
 * Memory vs parameters, log–log. Measured series: markers plus the fitted power law as a dotted line
 * over the measured range, legend 'label ∝ N^b' (fitted on the points with N, bytes > 0; no fit with fewer
 * than two distinct N). Model series: a solid line through the points. Bytes are shown in MiB.
 * @param series one or more series (each with ≥ 1 point).
 * @param options title (default 'Peak memory vs parameters'), height (default 440), fit (default true).
 */
export function memoryScalingPlot(series: readonly MemorySeries[], options: MemoryPlotOptions = {}): PlotSpec {
  if (series.length === 0) throw new RangeError('memoryScalingPlot: no series');
  const MiB = 1024 * 1024;
  const data: PlotTrace[] = [];
  series.forEach((s, i) => {
    if (s.params.length !== s.bytes.length)
      throw new RangeError(`memoryScalingPlot: series "${s.label}" has ${s.params.length} params but ${s.bytes.length} bytes`);
    const color = seriesColor(i);
    const order = s.params.map((_, k) => k).sort((a, b) => s.params[a] - s.params[b]);
    const x = order.map((k) => s.params[k]);
    const y = order.map((k) => s.bytes[k] / MiB);
    if ((s.kind ?? 'measured') === 'model') {
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: s.label,
        x,
        y,
        line: { color, width: 2 },
        hovertemplate: `${s.label}: N=%{x:.3s}, %{y:.4g} MiB<extra></extra>`,
      });
      return;
    }
    const pos = x.map((v, k) => k).filter((k) => x[k] > 0 && y[k] > 0);
    const f =
      (options.fit ?? true) && new Set(pos.map((k) => x[k])).size >= 2
        ? powerLawFit(
            pos.map((k) => x[k]),
            pos.map((k) => y[k]),
          )
        : null;
    const fit = f && { exponent: f.exponent, coefficient: Math.exp(f.intercept) };
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: fit ? `${s.label} ∝ N^${fit.exponent.toFixed(2)}` : s.label,
      legendgroup: s.label,
      x,
      y,
      marker: { color, size: 8 },
      hovertemplate: `${s.label}: N=%{x:.3s}, %{y:.4g} MiB<extra></extra>`,
    });
    if (fit) {
      const xs = [x[0], x[x.length - 1]];
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: `fit ${s.label}`,
        legendgroup: s.label,
        showlegend: false,
        x: xs,
        y: xs.map((v) => fit.coefficient * v ** fit.exponent),
        line: { color, dash: 'dot' },
        hoverinfo: 'skip',
      });
    }
  });
  return {
    data,
    layout: {
      ...baseLayout(options.title ?? 'Peak memory vs parameters', options.height ?? 440),
      xaxis: { title: { text: 'parameters N' }, type: 'log', exponentformat: 'power' },
      yaxis: { title: { text: 'memory (MiB)' }, type: 'log', exponentformat: 'power' },
    },
  };
}
