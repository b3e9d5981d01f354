// Module energies (METHOD.md §5): the standardised mean-field energy E_m of every module as bars
// (attention and FFN in two colours); optionally the sparsity an allocation gives each module as markers
// on a second axis, so the "low energy ⇒ pruned more" relation is visible at a glance.
import { ModuleEnergies } from '../prune/moduleEnergies';
import { PlotOptions, PlotSpec, PlotTrace, baseLayout, moduleLabel, seriesColor } from './spec';

/** Options of `moduleEnergyPlot`. */
export interface EnergyPlotOptions extends PlotOptions {
  /** Per-module sparsity to overlay (e.g. `allocation.fractions`), same order as the ids. */
  sparsity?: ArrayLike<number>;
  /** Legend name of the overlay (default 'sparsity s_m'). */
  sparsityLabel?: string;
}

/**
 * Bars of the standardised energies E_m (hover: log energy and units averaged), coloured by module kind
 * (id ending in 'attn' vs anything else).
 * @param ids module ids in the order of `energies` (e.g. `problem.modules.map(m => m.id)`).
 * @param energies from `moduleEnergies`.
 * @param options title (default 'Module energies'), height (default 380), sparsity overlay (none by default).
 */
export function moduleEnergyPlot(ids: readonly string[], energies: ModuleEnergies, options: EnergyPlotOptions = {}): PlotSpec {
  const M = energies.E.length;
  if (ids.length !== M) throw new RangeError(`moduleEnergyPlot: ${ids.length} ids for ${M} energies`);
  if (options.sparsity && options.sparsity.length !== M)
    throw new RangeError(`moduleEnergyPlot: sparsity has ${options.sparsity.length} values for ${M} modules`);
  const labels = ids.map(moduleLabel);
  const isAttn = ids.map((id) => id.endsWith('attn'));
  const text = ids.map((_, m) => `log energy ${energies.logEnergy[m].toFixed(3)}, ${energies.unitsAveraged[m]} units averaged`);
  const kinds: { name: string; attn: boolean; color: string }[] = [
    { name: 'E_m attention', attn: true, color: seriesColor(0) },
    { name: 'E_m FFN', attn: false, color: seriesColor(1) },
  ];
  const data: PlotTrace[] = kinds
    .filter((k) => isAttn.some((a) => a === k.attn))
    .map((k) => {
      const idx = labels.map((_, m) => m).filter((m) => isAttn[m] === k.attn);
      return {
        type: 'bar',
        name: k.name,
        x: idx.map((m) => labels[m]),
        y: idx.map((m) => energies.E[m]),
        text: idx.map((m) => text[m]),
        hovertemplate: '%{x}: E=%{y:.3f}<br>%{text}<extra></extra>',
        textposition: 'none',
        marker: { color: k.color },
      };
    });
  const layout: Record<string, unknown> = {
    ...baseLayout(options.title ?? 'Module energies', options.height ?? 380),
    barmode: 'relative',
    xaxis: { title: { text: 'module' }, type: 'category', categoryorder: 'array', categoryarray: labels, tickangle: -45 },
    yaxis: { title: { text: 'standardised energy E_m' }, zeroline: true },
  };
  if (options.sparsity) {
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: options.sparsityLabel ?? 'sparsity s_m',
      x: labels,
      y: Array.from(options.sparsity),
      yaxis: 'y2',
      marker: { color: '#333', symbol: 'diamond', size: 8 },
      hovertemplate: '%{x}: s=%{y:.3f}<extra></extra>',
    });
    layout.yaxis2 = { title: { text: 'sparsity s_m' }, overlaying: 'y', side: 'right', range: [0, 1], tickmode: 'auto', showgrid: false, zeroline: false };
    layout.margin = { l: 70, r: 70, t: 50, b: 50 };
  }
  return { data, layout };
}
