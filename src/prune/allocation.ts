// Energy-based allocation of METHOD.md §5: how many units k_m each module m prunes so that the removed
// cost meets the budget B. Continuous fractions s_m from a rule (uniform, Fermi–Dirac, softmax), then
// integer counts by largest remainder. Pure host maths, no tensors; O(M log M) plus O(M) per bisection step.

/** Allocation rules (METHOD.md §5). */
export type AllocationKind = 'uniform' | 'softmax' | 'fermi-dirac';

/** One module for `allocate`: n_m units of c_m weight scalars each, standardised energy E_m. */
export interface AllocationModule {
  /** n_m ≥ 1, number of units (integer). */
  n: number;
  /** c_m > 0, weight scalars per unit. */
  cost: number;
  /** E_m, standardised mean-field energy (`moduleEnergies(...).E[m]`); any finite number. */
  E: number;
}

/** Problem of `allocate`. */
export interface AllocationInput {
  modules: AllocationModule[];
  /** B, removed cost to reach, in weight scalars: 0 ≤ B ≤ Σ_m n_m c_m. */
  budget: number;
}

/** Options of `allocate`. */
export interface AllocationOptions {
  /** Rule; required (no silent default). `uniform` is the `local` baseline's rule. */
  kind: AllocationKind;
  /** T > 0 (default 1), in units of the standardised energy. T → ∞ gives uniform, T → 0 fills the
   * lowest-energy modules first. Ignored by `uniform`. */
  temperature?: number;
  /** Cap on every s_m for `softmax` and `fermi-dirac` (default 0.95; 1 disables it); needs B ≤ sMax·total.
   * `uniform` ignores it (s = B/total for every module). */
  sMax?: number;
}

/** Result of `allocate`; arrays are indexed by module. */
export interface Allocation {
  kind: AllocationKind;
  temperature: number;
  sMax: number;
  /** B as asked. */
  budget: number;
  /** Σ_m n_m c_m. */
  totalCost: number;
  /** Continuous s_m ∈ [0, 1] before rounding; Σ c_m n_m s_m = B up to `budgetResidual`. */
  fractions: Float64Array;
  /** Relative error (Σ c_m n_m s_m − B) / B of the continuous fractions (0 when B = 0). */
  budgetResidual: number;
  /** Integer k_m ∈ [0, n_m] from `roundCounts` (each within one unit of s_m n_m unless B needed more). */
  counts: number[];
  /** Σ k_m c_m (weight scalars). */
  removedCost: number;
  /** removedCost / totalCost. */
  achievedSparsity: number;
  /** max(0, B − removedCost); 0 whenever B ≤ totalCost, which `allocate` enforces. */
  deficit: number;
  /** Number of modules with s_m at sMax (softmax, fermi-dirac). */
  capped: number;
  /** Fermi–Dirac only: the multiplier μ with s_m = 1/(1+exp((E_m+μ)/T)) (±Infinity at B = 0 / B = total). */
  mu?: number;
}

/** Result of `roundCounts`. */
export interface RoundedCounts {
  counts: number[];
  removedCost: number;
  deficit: number;
}

/**
 * Integer counts by the largest-remainder method, with the quota in cost: x_m = s_m n_m,
 * k_m = ⌊x_m + 1e-9⌋ (the 1e-9 absorbs float error so an integer x_m is not rounded down), then modules in
 * order of decreasing remainder x_m − k_m (ties: lower module index) each get one more unit while the removed
 * cost Σ k_m c_m is below B; that pass repeats (only reachable through float error in the s_m) until B is met
 * or every module is full. Never k_m > n_m.
 *
 * "As closely as unit sizes allow", precisely: the removed cost is the first one ≥ B along this greedy, so
 * B ≤ removedCost < B + c_last (c_last = cost of the last unit added, ≤ max c_m); if the floors alone reach B,
 * nothing is added. It is not the subset-sum closest cost. If all units cannot reach B, `deficit` reports
 * B − removedCost.
 *
 * @param modules n_m, c_m per module.
 * @param fractions s_m per module in [0, 1].
 * @param budget B in weight scalars.
 */
export function roundCounts(modules: readonly Pick<AllocationModule, 'n' | 'cost'>[], fractions: ArrayLike<number>, budget: number): RoundedCounts {
  const M = modules.length;
  if (fractions.length !== M) {
    throw new Error(`roundCounts: ${fractions.length} fractions for ${M} modules; give one s_m per module`);
  }
  const counts: number[] = [];
  const remainder = new Float64Array(M);
  let removedCost = 0;
  for (let m = 0; m < M; m++) {
    const { n, cost } = modules[m];
    const x = Math.min(n, Math.max(0, fractions[m] * n));
    const k = Math.min(n, Math.floor(x + 1e-9));
    counts.push(k);
    remainder[m] = Math.max(0, x - k);
    removedCost += k * cost;
  }
  const order = Array.from({ length: M }, (_, m) => m).sort((a, b) => remainder[b] - remainder[a] || a - b);
  while (removedCost < budget) {
    let progressed = false;
    for (const m of order) {
      if (removedCost >= budget) break;
      if (counts[m] < modules[m].n) {
        counts[m]++;
        removedCost += modules[m].cost;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  return { counts, removedCost, deficit: Math.max(0, budget - removedCost) };
}

/** 1/(1+exp(x)) without overflow for either sign of x. */
function fermi(x: number): number {
  if (x >= 0) {
    const e = Math.exp(-x);
    return e / (1 + e);
  }
  return 1 / (1 + Math.exp(x));
}

/** Fermi–Dirac fractions s_m = min(sMax, 1/(1+exp((E_m+μ)/T))) with μ by bisection on Σ c n s = B. */
function fermiDirac(mods: readonly AllocationModule[], B: number, total: number, T: number, sMax: number): { s: Float64Array; mu: number } {
  const M = mods.length;
  const at = (mu: number): Float64Array => Float64Array.from(mods, ({ E }) => Math.min(sMax, fermi((E + mu) / T)));
  const spent = (s: Float64Array): number => {
    let acc = 0;
    for (let m = 0; m < M; m++) acc += mods[m].cost * mods[m].n * s[m];
    return acc;
  };
  if (B === 0) return { s: new Float64Array(M), mu: Infinity };
  if (B >= total) return { s: new Float64Array(M).fill(1), mu: -Infinity }; // only reachable with sMax = 1
  // Bracket: with p = B/total, μ_lo makes every s_m ≥ p (spent ≥ B), μ_hi makes every s_m ≤ p (spent ≤ B);
  // p ≤ sMax is checked by `allocate`, so the cap cannot break the lower bracket.
  const p = B / total;
  const base = T * Math.log((1 - p) / p);
  let Emin = Infinity;
  let Emax = -Infinity;
  for (const { E } of mods) {
    Emin = Math.min(Emin, E);
    Emax = Math.max(Emax, E);
  }
  let lo = base - Emax;
  let hi = base - Emin;
  let sLo = at(lo);
  let sHi = at(hi);
  let fLo = spent(sLo);
  let fHi = spent(sHi);
  // spent(μ) is non-increasing; bisect until μ stops changing in float or the budget is hit to 1e-14.
  for (let iter = 0; iter < 2000; iter++) {
    const mid = lo + (hi - lo) / 2;
    if (!(mid > lo && mid < hi)) break;
    const sMid = at(mid);
    const fMid = spent(sMid);
    if (Math.abs(fMid - B) <= 1e-14 * B) return { s: sMid, mu: mid };
    if (fMid > B) {
      lo = mid;
      sLo = sMid;
      fLo = fMid;
    } else {
      hi = mid;
      sHi = sMid;
      fHi = fMid;
    }
  }
  // Float resolution of μ reached (small T: a "Fermi level" module sits at E_m ≈ −μ). Mix the two bracketing
  // solutions so the budget is met exactly; they differ by one ulp of μ.
  const theta = fLo > fHi ? Math.min(1, Math.max(0, (B - fHi) / (fLo - fHi))) : 0.5;
  const s = sHi.map((v, m) => v + theta * (sLo[m] - v));
  return { s, mu: hi + theta * (lo - hi) };
}

/** Softmax (dilute-limit) fractions with the cap: capped modules sit at sMax, the rest share what is left. */
function softmax(mods: readonly AllocationModule[], B: number, T: number, sMax: number): Float64Array {
  const M = mods.length;
  const s = new Float64Array(M);
  const capped = new Uint8Array(M);
  for (;;) {
    let left = B;
    let Emin = Infinity;
    for (let m = 0; m < M; m++) {
      if (capped[m]) left -= sMax * mods[m].n * mods[m].cost;
      else Emin = Math.min(Emin, mods[m].E);
    }
    if (Emin === Infinity) break; // everything capped: B = sMax·total
    left = Math.max(0, left);
    // Shift by the smallest uncapped energy so the largest weight is 1 and Z never underflows as T → 0.
    let Z = 0;
    const w = new Float64Array(M);
    for (let m = 0; m < M; m++) {
      if (capped[m]) continue;
      w[m] = Math.exp(-(mods[m].E - Emin) / T);
      Z += mods[m].n * mods[m].cost * w[m];
    }
    let newCaps = 0;
    for (let m = 0; m < M; m++) {
      if (capped[m]) {
        s[m] = sMax;
        continue;
      }
      s[m] = (left * w[m]) / Z;
      if (s[m] > sMax) {
        capped[m] = 1;
        newCaps++;
      }
    }
    if (newCaps === 0) break;
  }
  return s;
}

/**
 * Per-module sparsities and unit counts meeting the removed-cost budget B (METHOD.md §5).
 *
 * - `uniform`: s_m = B / Σ_i n_i c_i for every module.
 * - `fermi-dirac`: s_m = min(sMax, 1/(1+exp((E_m+μ)/T))), μ by bisection so Σ c_m n_m s_m = B (the map is
 *   monotone; relative budget error ≤ 1e-14, or exact by mixing the two bracketing solutions once μ reaches
 *   float resolution, which happens for very small T). The cap is this project's addition so that no module
 *   is emptied by default; with sMax = 1 this is the plain Fermi–Dirac rule.
 * - `softmax` (dilute limit of Fermi–Dirac): s_m = B' e^{−E_m/T} / Σ_{i uncapped} n_i c_i e^{−E_i/T} over
 *   the uncapped modules, B' = B minus what the capped modules (at sMax) remove; repeat until no new cap.
 * Then k_m by `roundCounts` (largest remainder by cost): B ≤ removedCost < B + max c_m.
 *
 * Errors: no modules; n_m not a positive integer; c_m ≤ 0; E_m not finite; B < 0 or > total; T ≤ 0 or not
 * finite; sMax ∉ (0, 1]; B > sMax·total for a capped rule.
 */
export function allocate(input: AllocationInput, options: AllocationOptions): Allocation {
  const { modules: mods, budget: B } = input;
  const { kind } = options;
  const T = options.temperature ?? 1;
  const sMax = options.sMax ?? 0.95;
  if (!Array.isArray(mods) || mods.length === 0) {
    throw new Error('allocate: input.modules is empty; give one {n, cost, E} per prunable module');
  }
  let total = 0;
  mods.forEach(({ n, cost, E }, m) => {
    if (!Number.isInteger(n) || n < 1) throw new Error(`allocate: modules[${m}].n = ${n} must be an integer ≥ 1`);
    if (!(cost > 0) || !Number.isFinite(cost)) {
      throw new Error(`allocate: modules[${m}].cost = ${cost} must be finite and > 0 (weight scalars per unit)`);
    }
    if (!Number.isFinite(E)) throw new Error(`allocate: modules[${m}].E = ${E} must be finite (use moduleEnergies)`);
    total += n * cost;
  });
  if (!Number.isFinite(B) || B < 0 || B > total) {
    throw new Error(`allocate: budget = ${B} must be in [0, total cost ${total}] (weight scalars)`);
  }
  if (kind !== 'uniform' && kind !== 'softmax' && kind !== 'fermi-dirac') {
    throw new Error(`allocate: options.kind = ${String(kind)}; use 'uniform', 'softmax' or 'fermi-dirac'`);
  }
  if (!(T > 0) || !Number.isFinite(T)) {
    throw new Error(`allocate: options.temperature = ${T} must be finite and > 0 (default 1); large T ≈ uniform`);
  }
  if (!(sMax > 0 && sMax <= 1)) throw new Error(`allocate: options.sMax = ${sMax} must be in (0, 1] (default 0.95)`);
  if (kind !== 'uniform' && B > sMax * total * (1 + 1e-12)) {
    throw new Error(
      `allocate: budget ${B} exceeds sMax·total = ${sMax * total}; the '${kind}' rule caps every module at ` +
        `sMax = ${sMax}: raise options.sMax (≤ 1) or lower the budget`,
    );
  }

  let fractions: Float64Array;
  let mu: number | undefined;
  if (kind === 'uniform') {
    fractions = new Float64Array(mods.length).fill(B / total);
  } else if (kind === 'fermi-dirac') {
    ({ s: fractions, mu } = fermiDirac(mods, Math.min(B, sMax * total), total, T, sMax));
  } else {
    fractions = softmax(mods, Math.min(B, sMax * total), T, sMax);
  }
  let spent = 0;
  let capped = 0;
  fractions.forEach((s, m) => {
    spent += mods[m].cost * mods[m].n * s;
    if (kind !== 'uniform' && s >= sMax) capped++;
  });
  const { counts, removedCost, deficit } = roundCounts(mods, fractions, B);
  return {
    kind,
    temperature: T,
    sMax,
    budget: B,
    totalCost: total,
    fractions,
    budgetResidual: B > 0 ? (spent - B) / B : 0,
    counts,
    removedCost,
    achievedSparsity: removedCost / total,
    deficit,
    capped,
    ...(mu !== undefined ? { mu } : {}),
  };
}
