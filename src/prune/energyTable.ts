// §5 on its own: the mean-field energy table of a model's modules, ready for `allocate(table, {kind, temperature})`.
import { Model } from '../model/model';
import { CalibrationStats } from './stats';
import { buildProblems, unitEnergies, ProblemOptions } from './moduleProblems';
import { moduleEnergies } from './moduleEnergies';
import { totalUnitCost } from './coupling';

export interface EnergyTable {
  sparsity: number;
  /** B = s · Σ unit costs. */
  budget: number;
  modules: { id: string; n: number; cost: number; unitEnergies: Float64Array; logEnergy: number; E: number }[];
}

/** Dense unit energies and standardised module energies E_m at sparsity s (METHOD.md §3, §5). */
export async function energies(model: Model, stats: CalibrationStats, opts: ProblemOptions & { sparsity: number }): Promise<EnergyTable> {
  const problems = (await buildProblems(model, stats, opts)).filter((p) => p.spec.units.length > 0);
  const unit = problems.map((p) => unitEnergies(p));
  const me = moduleEnergies(
    problems.map((p, i) => ({ unitEnergies: unit[i], cost: p.spec.unitCost })),
    opts.sparsity,
  );
  return {
    sparsity: opts.sparsity,
    budget: opts.sparsity * totalUnitCost(problems.map((p) => p.spec)),
    modules: problems.map((p, i) => ({
      id: p.spec.id,
      n: p.spec.units.length,
      cost: p.spec.unitCost,
      unitEnergies: unit[i],
      logEnergy: me.logEnergy[i],
      E: me.E[i],
    })),
  };
}
