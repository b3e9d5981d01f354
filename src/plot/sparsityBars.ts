// Per-module sparsity bars: the share of units each module (attention, FFN of every block) lost, one bar
// group per module, one colour per series (a method, an allocation, an iteration). Input is the host
// data in `PruneReport.perModule` or `AdmmReport.perModule`.
import { PlotOptions, PlotSpec, PlotTrace, baseLayout, moduleLabel, seriesColor } from './spec';

/** One module's count of removed units (the shape of `PruneReport.perModule[i]`). */
export interface ModuleSparsity {
  id: string;
  units: number;
  removed: number;
  /** removed / units. */
  sparsity: number;
}

/** A named set of per-module sparsities, for comparing several on one plot. */
export interface ModuleSparsitySeries {
  label: string;
  perModule: readonly ModuleSparsity[];
}

/** Options of `moduleSparsityPlot`. */
export interface SparsityBarsOptions extends PlotOptions {
  /** Draw the target sparsity as a dashed horizontal line (e.g. report.targetSparsity). */
  target?: number;
}

function isSeriesList(x: readonly ModuleSparsity[] | readonly ModuleSparsitySeries[]): x is readonly ModuleSparsitySeries[] {
  return x.length > 0 && 'perModule' in x[0];
}

/**
 * Per-module sparsity bars (removed units / units). Modules appear in the order of the first series; a
 * module missing from a later series is a gap. The y axis is sparsity in [0, 1].
 * @param input one `perModule` list, or several labelled series (grouped bars).
 * @param options title (default 'Sparsity per module'), height (default 380), target (no line by default).
 */
export function moduleSparsityPlot(input: readonly ModuleSparsity[] | readonly ModuleSparsitySeries[], options: SparsityBarsOptions = {}): PlotSpec {
  const series: readonly ModuleSparsitySeries[] = isSeriesList(input) ? input : [{ label: 'sparsity', perModule: input as readonly ModuleSparsity[] }];
  if (series.length === 0 || series[0].perModule.length === 0) throw new RangeError('moduleSparsityPlot: no modules; pass report.perModule');
  const ids = series[0].perModule.map((m) => m.id);
  const labels = ids.map(moduleLabel);
  const data: PlotTrace[] = series.map((s, i) => {
    const byId = new Map(s.perModule.map((m) => [m.id, m]));
    const rows = ids.map((id) => byId.get(id));
    return {
      type: 'bar',
      name: s.label,
      x: labels,
      y: rows.map((m) => (m ? m.sparsity : null)),
      text: rows.map((m) => (m ? `${m.removed}/${m.units}` : '')),
      // labels above the bars: a module with nothing removed has a zero-height bar but still shows "0/n"
      textposition: 'outside',
      cliponaxis: false,
      hovertemplate: '%{x}: %{y:.3f} (%{text} units)<extra>%{fullData.name}</extra>',
      marker: { color: seriesColor(i) },
    };
  });
  const layout: Record<string, unknown> = {
    ...baseLayout(options.title ?? 'Sparsity per module', options.height ?? 380),
    barmode: 'group',
    showlegend: series.length > 1,
    xaxis: { title: { text: 'module' }, type: 'category', tickangle: -45 },
    yaxis: { title: { text: 'removed units / units' }, range: [0, 1.08] },
  };
  if (options.target !== undefined) {
    layout.shapes = [
      { type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: options.target, y1: options.target, line: { color: '#333', dash: 'dash', width: 1 } },
    ];
    // the label sits in the right margin, beside the line's end, where no bar or bar label can be
    layout.annotations = [
      { xref: 'paper', x: 1, xanchor: 'left', xshift: 4, yref: 'y', y: options.target, yanchor: 'middle', text: `target ${options.target}`, showarrow: false },
    ];
    layout.margin = { ...(layout.margin as Record<string, number>), r: 80 };
  }
  return { data, layout };
}
