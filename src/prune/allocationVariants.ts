// Alternative allocation signals measured against the loss-aware mean-field energies (METHOD.md §5c); each
// gives either standardised module energies E_m (fed to the same softmax / Fermi–Dirac rules) or fractions s_m
// (rounded to exact-budget counts):
// - `kinds`: the mean-field log-energies standardised within each module kind (attention, FFN) instead of across
//   all modules, so the two kinds are normalised against each other and only the order inside a kind matters.
// - `owl`: OWL-style outlier ratios (Yin et al. 2024): D_m = share of the down projection's Wanda scores
//   |W_ck|·√H_cc above M × their mean; s_m = s + λ·(mean D − D_m)/(max D − min D)·2 (range [s − λ, s + λ]),
//   shifted so Σ c_m n_m s_m = B exactly, clipped to [0, 1]. Defaults M = 5, λ = 0.08 (the paper's).
// - `probe`: a sensitivity probe: module m alone loses its ⌈s·n_m⌉ lowest-energy units (compensated as in
//   finalize), and the measured held-out loss increase Δℒ_m per removed weight scalar gives
//   E_m = log(Δℒ_m / (k_m c_m)), standardised. One finalize and one held-out evaluation per module.
import { Model } from '../model/model';
import { ModuleProblem } from './moduleProblems';
import { AdmmModule } from './admm/problem';
import { roundCounts } from './allocation';
import { moduleEnergies } from './moduleEnergies';
import { topKProjection } from './projection';
import { finalizePruning } from './finalize';
import { CalibrationStats } from './stats';
import { RemovedMask } from './slice';
import { meanWindowLoss } from './temperature';
import { ModuleSpec } from './coupling';
import { PRUNE_DEFAULTS } from './defaults';

export type AllocationVariant = 'kinds' | 'owl' | 'probe';
export const ALLOCATION_VARIANTS: readonly AllocationVariant[] = ['kinds', 'owl', 'probe'];

const live = (modules: readonly AdmmModule[]) => modules.filter((m) => m.spec.units.length > 0);

function standardise(v: Float64Array): Float64Array {
  const M = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / M;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / M);
  return std > 1e-12 * Math.max(1, ...Array.from(v, Math.abs)) ? v.map((x) => (x - mean) / std) : new Float64Array(M);
}

/** `kinds`: E_m standardised within each kind (modules with units, in order). */
export function kindEnergies(modules: readonly AdmmModule[], sparsity: number): Float64Array {
  const ms = live(modules);
  const logE = moduleEnergies(
    ms.map((m) => ({ unitEnergies: m.energies, cost: m.spec.unitCost })),
    sparsity,
  ).logEnergy;
  const E = new Float64Array(ms.length);
  for (const kind of ['attn', 'ffn'] as const) {
    const idx = ms.map((m, i) => (m.spec.kind === kind ? i : -1)).filter((i) => i >= 0);
    const z = standardise(Float64Array.from(idx, (i) => logE[i]));
    idx.forEach((i, k) => (E[i] = z[k]));
  }
  return E;
}

/** `owl`: per-module counts (all modules, zeros for those without units) from outlier ratios. */
export function owlCounts(
  problems: readonly ModuleProblem[],
  budget: number,
  opts: { M?: number; lambda?: number } = {},
): { counts: number[]; outlierRatio: number[]; fractions: number[] } {
  const Mth = opts.M ?? 5;
  const lambda = opts.lambda ?? 0.08;
  const D = problems.map((p) => {
    const { n, d, H, W0 } = p;
    if (n === 0) return 0;
    let mean = 0;
    const sc = new Float64Array(n * d);
    for (let c = 0; c < n; c++) {
      const x = Math.sqrt(Math.max(H[c * n + c], 0));
      for (let k = 0; k < d; k++) mean += sc[c * d + k] = Math.abs(W0[c * d + k]) * x;
    }
    mean /= n * d;
    let out = 0;
    for (const v of sc) if (v > Mth * mean) out++;
    return out / (n * d);
  });
  const idx = problems.map((p, i) => (p.spec.units.length > 0 ? i : -1)).filter((i) => i >= 0);
  const total = idx.reduce((a, i) => a + problems[i].spec.units.length * problems[i].spec.unitCost, 0);
  const s = budget / total;
  const dl = idx.map((i) => D[i]);
  const meanD = dl.reduce((a, b) => a + b, 0) / dl.length;
  const span = Math.max(...dl) - Math.min(...dl);
  let f = idx.map((i) => (span > 0 ? s + (2 * lambda * (meanD - D[i])) / span : s));
  // shift so the continuous budget is met exactly (clipping to [0, 1] can move it: iterate a few times)
  for (let it = 0; it < 50; it++) {
    const spent = idx.reduce((a, i, k) => a + problems[i].spec.units.length * problems[i].spec.unitCost * f[k], 0);
    const gap = (budget - spent) / total;
    if (Math.abs(gap) < 1e-12) break;
    f = f.map((v) => Math.min(1, Math.max(0, v + gap)));
  }
  const r = roundCounts(
    idx.map((i) => ({ n: problems[i].spec.units.length, cost: problems[i].spec.unitCost })),
    f,
    budget,
  );
  const counts = problems.map(() => 0);
  const fractions = problems.map(() => 0);
  idx.forEach((i, k) => {
    counts[i] = r.counts[k];
    fractions[i] = f[k];
  });
  return { counts, outlierRatio: D, fractions };
}

/** `probe`: standardised E_m from measured held-out loss increases (modules with units, in order). */
export async function probeEnergies(
  model: Model,
  stats: CalibrationStats,
  modules: readonly AdmmModule[],
  sparsity: number,
  heldOut: number[][],
  damp: number = PRUNE_DEFAULTS.damp,
  specs?: readonly ModuleSpec[],
): Promise<{ E: Float64Array; lossIncrease: number[] }> {
  const ms = live(modules);
  const base = await meanWindowLoss(await finalizePruning(model, stats, {}, { damp, specs }), heldOut); // the same refit, nothing removed
  const lossIncrease: number[] = [];
  const logE = new Float64Array(ms.length);
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    const n = m.spec.units.length;
    const k = Math.min(n, Math.max(1, Math.ceil(sparsity * n - 1e-9)));
    const removed = topKProjection([{ scores: m.energies, costs: new Float64Array(n).fill(m.spec.unitCost) }], [k]).removed[0];
    const mask: RemovedMask = { [m.id]: removed };
    const dL = (await meanWindowLoss(await finalizePruning(model, stats, mask, { damp, specs }), heldOut)) - base;
    lossIncrease.push(dL);
    logE[i] = Math.log(Math.max(dL, 1e-9) / (k * m.spec.unitCost));
  }
  return { E: standardise(logE), lossIncrease };
}
