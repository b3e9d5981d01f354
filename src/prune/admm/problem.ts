// The StructPrune ADMM problem (METHOD.md §4) in the scaled metric, built once from the per-module
// problems. Per module m (stored layout: W = Pᵀ, [n, d]; a unit is `width` consecutive rows):
//   D_m = w_m · (diag H_m + δ_m)                   [n]
//   W̃⁰ = D^{1/2} W⁰ Ω^{1/2}                         (rows scaled: P̃ = P D^{1/2}; columns by the output
//                                                    weights Ω = diag ω_m of the "loss" weighting, else I)
//   H̃  = D^{-1/2} (w_m H_m) D^{-1/2} = Q Λ Qᵀ       (eigendecomposed once, float64 on the host)
//   G  = 2 H̃ W̃⁰                                     (the constant part of the P-step right-hand side)
// so that w_m f_m(P) = tr((W̃ − W̃⁰)ᵀ H̃ (W̃ − W̃⁰)). Everything here is host data; the device sees one
// module's Q, G and iterates at a time (step.ts).
import { eigh } from '../../linalg/eigh';
import { intoEigenbasis, outOfEigenbasis } from './eigenbasis';
import { ModuleProblem, unitEnergies } from '../moduleProblems';
import { moduleEnergies } from '../moduleEnergies';
import { allocate, AllocationKind } from '../allocation';
import { ModuleSpec } from '../coupling';

export type AdmmAllocation = 'threshold' | AllocationKind;

export interface AdmmOptions {
  /** Z-step rule: one global λ (`threshold`, default) or per-module counts from §5. */
  allocation?: AdmmAllocation;
  /** Temperature of `softmax` / `fermi-dirac` (default 1). */
  temperature?: number;
  /** Cap on per-module sparsity for `softmax` / `fermi-dirac` (default 0.95). */
  sMax?: number;
  /** ρ₀ (default 0.2). */
  rho0?: number;
  /** ρ_{k+1} = min(ρ_max, κ ρ_k): κ (default 1.3). */
  kappa?: number;
  /** ρ_max (default 1e4). */
  rhoMax?: number;
  /** Maximum iterations (default 30). */
  iterations?: number;
  /** Stop when the mask has not changed for this many iterations … (default 5) */
  patience?: number;
  /** … and the primal residual is below tol · Σ‖P̃⁰‖² (default 1e-6). */
  tol?: number;
}

export const ADMM_DEFAULTS: Required<AdmmOptions> = {
  allocation: 'threshold',
  temperature: 1,
  sMax: 0.95,
  rho0: 0.2,
  kappa: 1.3,
  rhoMax: 1e4,
  iterations: 30,
  patience: 5,
  tol: 1e-6,
};

export interface AdmmModule {
  id: string;
  spec: ModuleSpec;
  n: number;
  d: number;
  /** D^{1/2} [n]. */
  sqrtD: Float64Array;
  /** Eigenvalues of H̃ (ascending) [n]. */
  eig: Float32Array;
  /** Eigenvectors of H̃, columns, [n, n] row-major. */
  Q: Float32Array;
  /** W̃⁰ [n, d]. */
  W0: Float32Array;
  /** G = 2 H̃ W̃⁰ [n, d]. */
  G: Float32Array;
  /** Ŵ⁰ = Qᵀ W̃⁰ [n, d]: W̃⁰ in the eigenbasis (the P-step and objective work there; Qᵀ G = 2 Λ Ŵ⁰). */
  W0h: Float32Array;
  /** Dense unit energies e_j (§3), for the allocation. */
  energies: Float64Array;
}

export interface AdmmProblem {
  modules: AdmmModule[];
  /** B = s · Σ unit costs. */
  budget: number;
  sparsity: number;
  options: Required<AdmmOptions>;
  /** Per-module removal counts (allocations other than `threshold`). */
  counts?: number[];
  /** Σ‖P̃⁰‖². */
  norm0: number;
}

function checkOptions(o: Required<AdmmOptions>): void {
  const kinds: AdmmAllocation[] = ['threshold', 'softmax', 'fermi-dirac', 'uniform'];
  if (!kinds.includes(o.allocation)) throw new RangeError(`allocation must be one of ${kinds.join('|')}, got "${o.allocation}"`);
  if (!(o.temperature > 0)) throw new RangeError(`temperature must be > 0, got ${o.temperature}`);
  if (!(o.rho0 > 0) || !(o.kappa >= 1) || !(o.rhoMax >= o.rho0))
    throw new RangeError(`need rho0 > 0, kappa ≥ 1, rhoMax ≥ rho0 (got ${o.rho0}, ${o.kappa}, ${o.rhoMax})`);
  if (!Number.isInteger(o.iterations) || o.iterations < 0) throw new RangeError(`iterations must be an integer ≥ 0, got ${o.iterations}`);
}

/** Scale, eigendecompose and precompute G for one module (one module's tensors on the device). */
export async function buildAdmmModule(p: ModuleProblem): Promise<AdmmModule> {
  const { n, d, H, W0, weight: w, delta } = p;
  const sqrtD = new Float64Array(n);
  for (let i = 0; i < n; i++) sqrtD[i] = Math.sqrt(Math.max(w * (H[i * n + i] + delta), 1e-300));
  const Ht = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Ht[i * n + j] = (w * H[i * n + j]) / (sqrtD[i] * sqrtD[j]);
  const { values, Q } = eigh(Ht, n);
  // Output weights scale columns: Σ_k ω_k Δw_kᵀ H Δw_k = tr(ΔW̃ᵀ H̃ ΔW̃) with W̃ = D^{1/2} W Ω^{1/2}, so the
  // P-step keeps its closed form (output columns decouple) and a row of W̃ is zero iff the unit is removed.
  const sqrtOm = p.outputWeight ? Float64Array.from(p.outputWeight, (v) => Math.sqrt(Math.max(v, 0))) : undefined;
  const W0s = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) W0s[i * d + c] = sqrtD[i] * W0[i * d + c] * (sqrtOm ? sqrtOm[c] : 1);
  const eig = Float32Array.from(values, (v) => Math.max(v, 0)); // H̃ is PSD: clip rounding negatives
  const Q32 = Float32Array.from(Q);
  let G: Float32Array = new Float32Array(0);
  let W0h: Float32Array = new Float32Array(0);
  if (n > 0) {
    W0h = await intoEigenbasis(Q32, W0s, n, d); // Ŵ⁰ = Qᵀ W̃⁰
    const GhatScaled = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) GhatScaled[i * d + c] = 2 * eig[i] * W0h[i * d + c];
    G = await outOfEigenbasis(Q32, GhatScaled, n, d); // G = Q (2 Λ Ŵ⁰) = 2 Q Λ Qᵀ W̃⁰
  }
  return { id: p.spec.id, spec: p.spec, n, d, sqrtD, eig, Q: Q32, W0: W0s, G, W0h, energies: unitEnergies(p) };
}

/** Build the ADMM problem for target sparsity s. `onProgress(done, total)` after each module. */
export async function buildAdmmProblem(
  problems: readonly ModuleProblem[],
  sparsity: number,
  options: AdmmOptions = {},
  onProgress?: (done: number, total: number) => void,
): Promise<AdmmProblem> {
  const o: Required<AdmmOptions> = { ...ADMM_DEFAULTS, ...stripUndefined(options) };
  checkOptions(o);
  if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`sparsity must be in [0, 1), got ${sparsity}`);
  const modules: AdmmModule[] = [];
  for (const p of problems) {
    modules.push(await buildAdmmModule(p));
    onProgress?.(modules.length, problems.length);
  }
  const total = modules.reduce((a, m) => a + m.spec.units.length * m.spec.unitCost, 0);
  const budget = sparsity * total;
  let counts: number[] | undefined;
  if (o.allocation !== 'threshold') counts = allocationCounts(modules, budget, sparsity, o).counts;
  let norm0 = 0;
  for (const m of modules) for (const v of m.W0) norm0 += v * v;
  return { modules, budget, sparsity, options: o, counts, norm0 };
}

/** §5: mean-field energies of the modules and the per-module counts of an allocation rule. */
export function allocationCounts(
  modules: readonly AdmmModule[],
  budget: number,
  sparsity: number,
  o: Pick<Required<AdmmOptions>, 'allocation' | 'temperature' | 'sMax'>,
  /** Standardised E_m of the modules that have units (in order) in place of the mean-field energies. */
  energies?: Float64Array,
) {
  const live = modules.map((m, i) => ({ m, i })).filter((x) => x.m.spec.units.length > 0);
  const E =
    energies ??
    moduleEnergies(
      live.map(({ m }) => ({ unitEnergies: m.energies, cost: m.spec.unitCost })),
      sparsity,
    ).E;
  if (E.length !== live.length) throw new RangeError(`allocationCounts: ${E.length} energies for ${live.length} modules with units`);
  const alloc = allocate(
    { modules: live.map(({ m }, k) => ({ n: m.spec.units.length, cost: m.spec.unitCost, E: E[k] })), budget },
    { kind: o.allocation === 'threshold' ? 'uniform' : o.allocation, temperature: o.temperature, sMax: o.sMax },
  );
  const counts = modules.map(() => 0);
  live.forEach(({ i }, k) => (counts[i] = alloc.counts[k]));
  return { counts, E, allocation: alloc };
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
