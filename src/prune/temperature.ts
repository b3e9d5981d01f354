// The default temperature of the energy allocation rules (METHOD.md §5b), chosen by measurement: for every T of
// a grid (T = ∞ is uniform sparsity, so the search contains the local allocation), set the per-module counts
// k_m(T), run the ADMM, compensate, and measure the mean next-token loss of the pruned model on held-out
// calibration windows (drawn apart from the calibration windows); keep the T with the lowest loss.
import { Model } from '../model/model';
import { tf } from '../backend';
import { disposeWeights } from '../model/device';
import { embedWindows, runBlock } from '../model/blockRunner';
import { lmHead } from '../model/forward';
import { read } from '../util/read';
import { uploadHead, windowNllSum } from './blockBackward';
import { CalibrationStats } from './stats';
import { AdmmProblem, allocationCounts } from './admm/problem';
import { runAdmm } from './admm/run';
import { finalizePruning } from './finalize';
import { RemovedMask } from './slice';
import { ModuleSpec } from './coupling';
import { PRUNE_DEFAULTS } from './defaults';

/** Default grid of temperatures searched (Infinity = uniform). */
export const DEFAULT_TEMPERATURE_GRID: readonly number[] = [1, 2, 4, 8, Infinity];

export interface TemperatureSearchOptions {
  /** Held-out windows (token ids, all the same length ≥ 2) on which the pruned models are compared. */
  heldOut: number[][];
  /** Temperatures to try (default DEFAULT_TEMPERATURE_GRID); Infinity means uniform counts. */
  grid?: readonly number[];
  /** Compensation damping (default PRUNE_DEFAULTS.damp = 0.01). */
  damp?: number;
  /** The model's modules when the caller has them (prune computes them once); default moduleSpecs(model). */
  specs?: readonly ModuleSpec[];
  /**
   * ADMM iterations per candidate (default: the problem's; 0 takes the mask of the initial closed-form
   * projection of the dense weights, much cheaper on large models).
   */
  iterations?: number;
  /** Standardised E_m of the modules with units, in place of the mean-field energies (allocationVariants.ts). */
  energies?: Float64Array;
}

export interface TemperatureSearch {
  grid: number[];
  /** Mean next-token NLL on the held-out windows per grid point. */
  heldOutLoss: number[];
  /** The chosen T (Infinity: uniform). */
  chosen: number;
  /** Per-module counts at the chosen T, and its mask. */
  counts: number[];
  mask: RemovedMask;
  iterations: number;
  converged: boolean;
}

/**
 * Mean next-token NLL of a model on windows (nats), one block resident at a time (block inputs on the host, then
 * the LM head), so the held-out checks keep StructPrune's O(√N) device memory.
 */
export async function meanWindowLoss(model: Model, windows: readonly number[][]): Promise<number> {
  if (!windows.length || windows[0].length < 2) throw new RangeError('meanWindowLoss: need windows of ≥ 2 tokens');
  const T = windows[0].length;
  const cfg = model.config;
  let x = await embedWindows(model, windows);
  for (let l = 0; l < cfg.nLayers; l++) x = await runBlock(model, l, x, T);
  const hw = uploadHead(model);
  try {
    let s = 0;
    for (let w = 0; w < windows.length; w++) {
      s += (await read(() => windowNllSum(lmHead(cfg, hw, tf.tensor2d(x[w], [T, cfg.dModel])), windows[w])))[0];
    }
    return s / (windows.length * (T - 1));
  } finally {
    disposeWeights(hw);
  }
}

/**
 * Search the temperature of `problem.options.allocation` ('softmax' or 'fermi-dirac') as described above.
 * Leaves `problem.counts` and `problem.options.temperature` at the chosen T (allocation 'uniform' when T = ∞).
 */
export async function selectTemperature(
  model: Model,
  stats: CalibrationStats,
  problem: AdmmProblem,
  opts: TemperatureSearchOptions,
): Promise<TemperatureSearch> {
  const rule = problem.options.allocation;
  if (rule !== 'softmax' && rule !== 'fermi-dirac') throw new RangeError(`temperature search needs allocation "softmax" or "fermi-dirac", got "${rule}"`);
  if (!opts.heldOut?.length) throw new RangeError('temperature search: heldOut must hold at least one window');
  const grid = [...(opts.grid ?? DEFAULT_TEMPERATURE_GRID)];
  if (!grid.length || grid.some((t) => !(t > 0)))
    throw new RangeError(`temperature search: grid must be non-empty temperatures > 0 (Infinity = uniform), got ${grid}`);
  const heldOutLoss: number[] = [];
  let best: Omit<TemperatureSearch, 'grid' | 'heldOutLoss'> | null = null;
  let bestLoss = Infinity;
  for (const T of grid) {
    const base = { ...problem.options, iterations: opts.iterations ?? problem.options.iterations };
    const o = T === Infinity ? { ...base, allocation: 'uniform' as const } : { ...base, temperature: T };
    const counts = allocationCounts(problem.modules, problem.budget, problem.sparsity, o, opts.energies).counts;
    const state = await runAdmm({ ...problem, options: o, counts });
    const mask: RemovedMask = {};
    problem.modules.forEach((m, i) => (mask[m.id] = state.modules[i].removed));
    const pruned = await finalizePruning(model, stats, mask, { damp: opts.damp ?? PRUNE_DEFAULTS.damp, specs: opts.specs });
    const loss = await meanWindowLoss(pruned, opts.heldOut);
    heldOutLoss.push(loss);
    if (loss < bestLoss) {
      bestLoss = loss;
      best = { chosen: T, counts, mask, iterations: state.iteration, converged: state.converged };
    }
  }
  problem.counts = best!.counts;
  problem.options.temperature = best!.chosen;
  return { grid, heldOutLoss, ...best! };
}
