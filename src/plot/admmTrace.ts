// The ADMM trace (METHOD.md §4, step 4): four stacked panels over the iterations, sharing the x axis —
// the feasible objective Σ w_m f_m(Z̃), the primal and dual residuals (log scale), the penalty ρ (log
// scale) and the number of units whose mask flipped. Input is the host-only report list that
// `iterate` yields (or `state.reports`, or the `--trace` JSONL of `structprune prune`).
import { AdmmReport } from '../prune/admm/step';
import { PlotOptions, PlotSpec, PlotTrace, axisId, axisKey, baseLayout, finiteOrNull, gridAxes, seriesColor } from './spec';

/** The fields of an AdmmReport the trace uses (so a parsed JSONL trace or a partial record also works). */
export type AdmmTracePoint = Pick<AdmmReport, 'iteration' | 'rho' | 'primalResidual' | 'dualResidual' | 'objective' | 'flipped'>;

/**
 * ADMM trace plot: objective, residuals, ρ and mask flips per iteration.
 * Iteration 0 is the initial projection: it has an objective and a primal residual, but no ρ, no dual
 * residual and no flips (those points are left out rather than drawn as 0 on a log axis). Values ≤ 0 on
 * the log panels are left out the same way.
 * @param reports one report per iteration, in order (at least one).
 * @param options title (default 'ADMM trace'), height in px (default 640).
 */
export function admmTracePlot(reports: readonly AdmmTracePoint[], options: PlotOptions = {}): PlotSpec {
  if (reports.length === 0) throw new RangeError('admmTracePlot: no reports; pass state.reports or the reports `iterate` yielded');
  const it = reports.map((r) => r.iteration);
  const after0 = <T>(r: AdmmTracePoint, v: T): T | null => (r.iteration === 0 ? null : v);
  const data: PlotTrace[] = [
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'objective Σ w f(Z)',
      x: it,
      y: reports.map((r) => finiteOrNull(r.objective)),
      xaxis: axisId('x', 0),
      yaxis: axisId('y', 0),
      line: { color: seriesColor(0) },
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'primal ‖P̃ − Z̃‖²',
      x: it,
      y: reports.map((r) => finiteOrNull(r.primalResidual, true)),
      xaxis: axisId('x', 1),
      yaxis: axisId('y', 1),
      line: { color: seriesColor(1) },
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'dual ρ²‖ΔZ̃‖²',
      x: it,
      y: reports.map((r) => after0(r, finiteOrNull(r.dualResidual, true))),
      xaxis: axisId('x', 1),
      yaxis: axisId('y', 1),
      line: { color: seriesColor(2), dash: 'dot' },
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'ρ',
      x: it,
      y: reports.map((r) => after0(r, finiteOrNull(r.rho, true))),
      xaxis: axisId('x', 2),
      yaxis: axisId('y', 2),
      line: { color: seriesColor(3) },
    },
    {
      type: 'bar',
      name: 'mask flips',
      x: it,
      y: reports.map((r) => after0(r, finiteOrNull(r.flipped))),
      xaxis: axisId('x', 3),
      yaxis: axisId('y', 3),
      marker: { color: seriesColor(4) },
    },
  ];
  const axes = gridAxes(4, 1, { x: 0, y: 0.06 });
  const yTitles = ['objective', 'residuals', 'ρ', 'flips'];
  const yTypes = ['linear', 'log', 'log', 'linear'];
  yTitles.forEach((t, k) => Object.assign(axes[axisKey('y', k)], { title: { text: t }, type: yTypes[k], exponentformat: 'power' }));
  for (let k = 0; k < 4; k++) {
    Object.assign(axes[axisKey('x', k)], k === 3 ? { title: { text: 'iteration' } } : { showticklabels: false }, k > 0 ? { matches: 'x' } : {});
  }
  return { data, layout: { ...baseLayout(options.title ?? 'ADMM trace', options.height ?? 640), ...axes } };
}
