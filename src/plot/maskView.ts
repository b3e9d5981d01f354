// The closed-form structured mask of one module (METHOD.md §4, Z-step), as `inspectMask` returns it: the
// units' scores σ_j / cost_j sorted ascending, coloured kept / removed, with the threshold the Z-step used
// (the global λ, or the module's smallest kept score for count allocations) as a dashed line. Units below
// the line are removed; with a global λ every module is cut at the same height.
import { MaskView } from '../prune/admm/run';
import { KEPT_COLOR, PlotOptions, PlotSpec, PlotTrace, REMOVED_COLOR, axisId, axisKey, baseLayout, gridAxes, moduleLabel } from './spec';

/** Options of `maskPlot`. */
export interface MaskPlotOptions extends PlotOptions {
  /** Log-scale scores (default: when every score is > 0). */
  log?: boolean;
  /** Subplots per row when given several views (default 2). */
  columns?: number;
}

/** Scores sorted ascending with their unit index and removed flag (the data the plot draws). */
export function sortedMask(view: MaskView): { rank: number[]; score: number[]; unit: number[]; removed: boolean[] } {
  // `scores`, `units` and `removedAt` are aligned by position in the module's current units.
  const { units, removedAt } = view;
  if (units.length !== view.scores.length || removedAt.length !== view.scores.length) {
    throw new RangeError(`maskPlot: ${view.id} has ${view.scores.length} scores but ${units.length} units / ${removedAt.length} removed flags`);
  }
  const order = Array.from(view.scores, (_, u) => u).sort((a, b) => view.scores[a] - view.scores[b] || a - b);
  return {
    rank: order.map((_, r) => r),
    score: order.map((u) => view.scores[u]),
    unit: order.map((u) => units[u]),
    removed: order.map((u) => removedAt[u]),
  };
}

/**
 * Sorted scores with the threshold line, kept vs removed, for one module or a grid of modules.
 * @param views one MaskView (`inspectMask(problem, state, id)`) or several (small multiples).
 * @param options title (default 'Closed-form mask: <module>' / 'Closed-form masks'), height (default 360
 *   per row), log (default auto), columns (default 2).
 */
export function maskPlot(views: MaskView | readonly MaskView[], options: MaskPlotOptions = {}): PlotSpec {
  const list: readonly MaskView[] = Array.isArray(views) ? views : [views as MaskView];
  if (list.length === 0) throw new RangeError('maskPlot: no mask views; pass inspectMask(problem, state, moduleId)');
  const columns = Math.max(1, Math.min(options.columns ?? 2, list.length));
  const rows = Math.ceil(list.length / columns);
  const axes = gridAxes(list.length, columns, { x: 0.08, y: rows > 1 ? 0.2 / rows + 0.06 : 0 });
  const data: PlotTrace[] = [];
  const annotations: Record<string, unknown>[] = [];
  list.forEach((view, k) => {
    const s = sortedMask(view);
    const log = options.log ?? s.score.every((v) => v > 0);
    const xa = axisId('x', k);
    const ya = axisId('y', k);
    const pick = (removed: boolean) => s.rank.map((_, i) => i).filter((i) => s.removed[i] === removed);
    const group = (removed: boolean, color: string, name: string): PlotTrace => {
      const idx = pick(removed);
      return {
        type: 'scatter',
        mode: 'markers',
        name,
        legendgroup: name,
        showlegend: k === 0,
        x: idx.map((i) => s.rank[i]),
        y: idx.map((i) => s.score[i]),
        text: idx.map((i) => `unit ${s.unit[i]}`),
        hovertemplate: '%{text}: %{y:.4g}<extra>' + name + '</extra>',
        marker: { color, size: 6 },
        xaxis: xa,
        yaxis: ya,
      };
    };
    data.push(group(false, KEPT_COLOR, 'kept'), group(true, REMOVED_COLOR, 'removed'));
    const thr = Number.isFinite(view.threshold) && (!log || view.threshold > 0) ? view.threshold : null;
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'threshold',
      legendgroup: 'threshold',
      showlegend: k === 0,
      x: [-0.5, Math.max(0, s.rank.length - 0.5)],
      y: [thr, thr],
      line: { color: '#333', dash: 'dash', width: 1 },
      xaxis: xa,
      yaxis: ya,
      hovertemplate: `threshold ${thr === null ? 'none' : thr.toPrecision(4)}<extra></extra>`,
    });
    Object.assign(axes[axisKey('x', k)], { title: { text: 'rank (ascending score)' } });
    Object.assign(axes[axisKey('y', k)], { title: { text: 'σ / cost' }, type: log ? 'log' : 'linear', exponentformat: 'power' });
    const dom = axes[axisKey('x', k)].domain as number[];
    const ydom = axes[axisKey('y', k)].domain as number[];
    annotations.push({
      xref: 'paper',
      yref: 'paper',
      x: (dom[0] + dom[1]) / 2,
      y: ydom[1],
      xanchor: 'center',
      yanchor: 'bottom',
      showarrow: false,
      text: `${moduleLabel(view.id)}: ${view.removed.length}/${s.score.length} removed`,
    });
  });
  const title = options.title ?? (list.length === 1 ? `Closed-form mask: ${list[0].id}` : 'Closed-form masks');
  return { data, layout: { ...baseLayout(title, options.height ?? 360 * rows), ...axes, annotations } };
}
