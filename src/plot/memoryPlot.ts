// Memory vs parameters on log–log axes (METHOD.md §7, the scaling experiment): measured peaks as markers
// with their least-squares power-law fit y = a·N^b as a line (the exponent in the legend), and analytic
// model curves (e.g. OPT/LLaMA sizes) as lines without markers. `powerLawFit` is the fit.
import { PlotOptions, PlotSpec, PlotTrace, baseLayout, seriesColor } from './spec';

/** A power law y = coefficient · x^exponent fitted in log–log space. */
export interface PowerLawFit {
  exponent: number;
  coefficient: number;
  /** Coefficient of determination of the log–log regression (1 = exact; NaN with < 3 points of spread). */
  r2: number;
  /** Points used (x > 0 and y > 0). */
  n: number;
}

/** Least squares of log y = log a + b log x over the points with x, y > 0 (at least two distinct x). */
export function powerLawFit(x: readonly number[], y: readonly number[]): PowerLawFit {
  if (x.length !== y.length) throw new RangeError(`powerLawFit: ${x.length} x values but ${y.length} y values`);
  const pts = x.map((v, i) => [v, y[i]]).filter(([a, b]) => a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b));
  const lx = pts.map(([a]) => Math.log(a));
  const ly = pts.map(([, b]) => Math.log(b));
  const n = pts.length;
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (lx[i] - mx) ** 2;
    sxy += (lx[i] - mx) * (ly[i] - my);
    syy += (ly[i] - my) ** 2;
  }
  if (n < 2 || !(sxx > 0)) throw new RangeError(`powerLawFit: need ≥ 2 positive points with distinct x, got ${n}`);
  const b = sxy / sxx;
  const r2 = n > 2 && syy > 0 ? (sxy * sxy) / (sxx * syy) : NaN;
  return { exponent: b, coefficient: Math.exp(my - b * mx), r2, n };
}

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
 * over the measured range, legend 'label ∝ N^b'. Model series: a solid line through the points.
 * Bytes are shown in MiB.
 * @param series one or more series (each with ≥ 1 point; a fit needs ≥ 2).
 * @param options title (default 'Peak memory vs parameters'), height (default 440), fit (default true).
 */
export function memoryScalingPlot(series: readonly MemorySeries[], options: MemoryPlotOptions = {}): PlotSpec {
  if (series.length === 0) throw new RangeError('memoryScalingPlot: no series');
  const MiB = 1024 * 1024;
  const data: PlotTrace[] = [];
  series.forEach((s, i) => {
    if (s.params.length !== s.bytes.length) throw new RangeError(`memoryScalingPlot: series "${s.label}" has ${s.params.length} params but ${s.bytes.length} bytes`);
    const color = seriesColor(i);
    const order = s.params.map((_, k) => k).sort((a, b) => s.params[a] - s.params[b]);
    const x = order.map((k) => s.params[k]);
    const y = order.map((k) => s.bytes[k] / MiB);
    if ((s.kind ?? 'measured') === 'model') {
      data.push({ type: 'scatter', mode: 'lines', name: s.label, x, y, line: { color, width: 2 }, hovertemplate: `${s.label}: N=%{x:.3s}, %{y:.4g} MiB<extra></extra>` });
      return;
    }
    const fit = (options.fit ?? true) && new Set(x.filter((v) => v > 0)).size >= 2 ? powerLawFit(x, y) : null;
    data.push({
      type: 'scatter', mode: 'markers', name: fit ? `${s.label} ∝ N^${fit.exponent.toFixed(2)}` : s.label, legendgroup: s.label, x, y,
      marker: { color, size: 8 }, hovertemplate: `${s.label}: N=%{x:.3s}, %{y:.4g} MiB<extra></extra>`,
    });
    if (fit) {
      const xs = [x[0], x[x.length - 1]];
      data.push({
        type: 'scatter', mode: 'lines', name: `fit ${s.label}`, legendgroup: s.label, showlegend: false, x: xs, y: xs.map((v) => fit.coefficient * v ** fit.exponent),
        line: { color, dash: 'dot' }, hoverinfo: 'skip',
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
