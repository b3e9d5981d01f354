// Allocation vs temperature (METHOD.md §5): each module's sparsity s_m as the temperature T sweeps from
// "fill the lowest-energy modules first" (T → 0) to uniform (T → ∞), one panel per rule (softmax,
// Fermi–Dirac), the uniform sparsity B/total as a dashed line. `allocationCurves` computes the host data
// (pure maths, `allocate` at every T); `allocationTemperaturePlot` draws it.
import { logspace } from '../util/numeric';
import { allocate, AllocationInput, AllocationKind } from '../prune/allocation';
import { PlotOptions, PlotSpec, PlotTrace, axisId, axisKey, baseLayout, gridAxes, moduleLabel, seriesColor } from './spec';

/** Options of `allocationCurves`. */
export interface AllocationCurvesOptions {
  /** Temperatures to evaluate, each > 0 (default 25 log-spaced values from 10^-1.5 to 10^1.5). */
  temperatures?: readonly number[];
  /** Rules to evaluate (default ['softmax', 'fermi-dirac']). */
  kinds?: readonly AllocationKind[];
  /** Cap of the capped rules (default 0.95, as `allocate`). */
  sMax?: number;
  /** Module labels, one per module (default 'm0', 'm1', …; module ids such as 'layers.0.ffn' are shortened). */
  labels?: readonly string[];
}

/** Per-rule, per-temperature module sparsities: the data behind `allocationTemperaturePlot`. */
export interface AllocationCurves {
  temperatures: number[];
  labels: string[];
  /** Standardised module energies E_m, as given. */
  E: number[];
  /** B / Σ n_m c_m: every module's sparsity under the uniform rule. */
  uniform: number;
  curves: {
    kind: AllocationKind;
    /** Continuous s_m, [temperature][module]. */
    fractions: number[][];
    /** Integer k_m / n_m after rounding, [temperature][module]. */
    rounded: number[][];
    /** Achieved sparsity (removed cost / total) per temperature. */
    achieved: number[];
  }[];
}

/** Run `allocate` for every rule and temperature. Errors as `allocate` (budget above sMax·total, …). */
export function allocationCurves(input: AllocationInput, options: AllocationCurvesOptions = {}): AllocationCurves {
  const temperatures = [...(options.temperatures ?? logspace(-1.5, 1.5, 25))];
  const kinds = options.kinds ?? (['softmax', 'fermi-dirac'] as const);
  const M = input.modules.length;
  const labels = options.labels ? options.labels.map(moduleLabel) : input.modules.map((_, m) => `m${m}`);
  if (labels.length !== M) throw new RangeError(`allocationCurves: ${labels.length} labels for ${M} modules`);
  const total = input.modules.reduce((a, m) => a + m.n * m.cost, 0);
  const curves = kinds.map((kind) => {
    const runs = temperatures.map((T) => allocate(input, { kind, temperature: T, sMax: options.sMax }));
    return {
      kind,
      fractions: runs.map((r) => Array.from(r.fractions)),
      rounded: runs.map((r) => r.counts.map((k, m) => k / input.modules[m].n)),
      achieved: runs.map((r) => r.achievedSparsity),
    };
  });
  return { temperatures, labels, E: input.modules.map((m) => m.E), uniform: total > 0 ? input.budget / total : 0, curves };
}

/**
 * Module sparsity vs temperature, one panel per rule side by side (shared colours per module, legend
 * once), log-scale T, the uniform sparsity dashed.
 * @param c from `allocationCurves`.
 * @param options title (default 'Allocation vs temperature'), height (default 480).
 */
export function allocationTemperaturePlot(c: AllocationCurves, options: PlotOptions = {}): PlotSpec {
  if (c.curves.length === 0) throw new RangeError('allocationTemperaturePlot: no curves; give at least one kind to allocationCurves');
  const axes = gridAxes(c.curves.length, c.curves.length, { x: 0.08, y: 0 });
  const data: PlotTrace[] = [];
  const annotations: Record<string, unknown>[] = [];
  const T = c.temperatures;
  c.curves.forEach((curve, k) => {
    const xa = axisId('x', k);
    const ya = axisId('y', k);
    c.labels.forEach((label, m) => {
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: `${label} (E=${c.E[m].toFixed(2)})`,
        legendgroup: label,
        showlegend: k === 0,
        x: T,
        y: curve.fractions.map((row) => row[m]),
        line: { color: seriesColor(m) },
        xaxis: xa,
        yaxis: ya,
        hovertemplate: `${label}, T=%{x:.3g}: s=%{y:.3f}<extra>${curve.kind}</extra>`,
      });
    });
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'uniform',
      legendgroup: 'uniform',
      showlegend: k === 0,
      x: [T[0], T[T.length - 1]],
      y: [c.uniform, c.uniform],
      line: { color: '#333', dash: 'dash', width: 1 },
      xaxis: xa,
      yaxis: ya,
    });
    Object.assign(axes[axisKey('x', k)], { title: { text: 'temperature T' }, type: 'log', exponentformat: 'power' });
    Object.assign(axes[axisKey('y', k)], { title: { text: k === 0 ? 'module sparsity s_m' : '' }, range: [0, 1] });
    const dom = axes[axisKey('x', k)].domain as number[];
    annotations.push({
      xref: 'paper',
      yref: 'paper',
      x: (dom[0] + dom[1]) / 2,
      y: 1,
      xanchor: 'center',
      yanchor: 'bottom',
      showarrow: false,
      text: curve.kind === 'fermi-dirac' ? 'Fermi–Dirac' : curve.kind,
    });
  });
  return {
    data,
    layout: {
      ...baseLayout(options.title ?? 'Allocation vs temperature', options.height ?? 480),
      ...axes,
      annotations,
      legend: { orientation: 'v', x: 1.02, y: 1 },
      margin: { l: 70, r: 170, t: 60, b: 50 },
    },
  };
}
