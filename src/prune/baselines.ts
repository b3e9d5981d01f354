// Mask selection of the baselines `local` and `global-threshold` (METHOD.md §6), from dense unit energies.
import { ModuleProblem, unitEnergies } from './moduleProblems';
import { allocate } from './allocation';
import { topKProjection, thresholdProjection, Projection } from './projection';
import { RemovedMask } from './slice';

export function projectionToMask(problems: readonly ModuleProblem[], p: Projection): RemovedMask {
  const mask: RemovedMask = {};
  problems.forEach((pr, m) => (mask[pr.spec.id] = p.removed[m]));
  return mask;
}

/** `local`: the same sparsity in every module (largest-remainder counts meeting the budget), lowest e_j removed. */
export function localMask(problems: readonly ModuleProblem[], budget: number): RemovedMask {
  const alloc = allocate({ modules: problems.map((p) => ({ n: p.spec.units.length, cost: p.spec.unitCost, E: 0 })), budget }, { kind: 'uniform' });
  const units = problems.map((p) => ({ scores: unitEnergies(p), costs: new Float64Array(p.spec.units.length).fill(p.spec.unitCost) }));
  return projectionToMask(problems, topKProjection(units, alloc.counts));
}

/**
 * `global-threshold` (FLAP-like): e_j standardised within each module (z = (e − mean)/std), one threshold
 * across modules on z, removing the lowest z first until the removed cost reaches the budget.
 * The projection orders by score/cost, so z is shifted positive and multiplied by the unit cost.
 */
export function globalThresholdMask(problems: readonly ModuleProblem[], budget: number): RemovedMask {
  const zs = problems.map((p) => {
    const e = unitEnergies(p);
    const n = e.length;
    const mean = e.reduce((a, b) => a + b, 0) / Math.max(1, n);
    const std = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n)) || 1;
    return Float64Array.from(e, (v) => (v - mean) / std);
  });
  const zmin = Math.min(0, ...zs.map((z) => (z.length ? Math.min(...z) : 0)));
  const units = problems.map((p, m) => ({
    scores: Float64Array.from(zs[m], (z) => (z - zmin + 1) * p.spec.unitCost),
    costs: new Float64Array(p.spec.units.length).fill(p.spec.unitCost),
  }));
  return projectionToMask(problems, thresholdProjection(units, budget));
}
