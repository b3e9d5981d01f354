// Mean-field module energies of METHOD.md §5: one number E_m per module that says how expensive, per
// weight scalar, the units module m would lose under sparsity s are. Pure host maths, no tensors.

/** One module's dense unit energies for `moduleEnergies`. */
export interface ModuleUnitEnergies {
  /** e_j ≥ 0 per unit (METHOD.md §3: e_j = w_m · H_jj · ‖P⁰[:, j]‖²); length n_m ≥ 1. */
  unitEnergies: Float64Array;
  /** c_m > 0, weight scalars per unit of this module. */
  cost: number;
}

/** Options of `moduleEnergies`. */
export interface ModuleEnergiesOptions {
  /** Relative floor φ_rel (default 1e-12): see `ModuleEnergies.floor`. */
  relativeFloor?: number;
}

/** Output of `moduleEnergies`; arrays are indexed by module. */
export interface ModuleEnergies {
  /** Standardised E_m (mean 0, population std 1 across modules); all 0 when the std is 0. Feed to `allocate`. */
  E: Float64Array;
  /** log(mean of the k_m smallest e_j / c_m + φ) before standardisation. */
  logEnergy: Float64Array;
  /** k_m = number of smallest energies averaged per module. */
  unitsAveraged: number[];
  /** φ, the floor added inside the log (see `moduleEnergies`). */
  floor: number;
}

/**
 * Mean-field module energies (METHOD.md §5): E_m = log( mean of the ⌈s·n_m⌉ smallest e_j / c_m ),
 * standardised across modules (subtract the mean, divide by the population std, i.e. divide by M).
 *
 * Guards:
 * - k_m = clamp(⌈s·n_m − 1e-9⌉, 1, n_m): at least one unit when s·n_m < 1 (s = 0 included), and the 1e-9
 *   absorbs floating error in s·n_m (0.07 · 100 = 7.000000000000001 must give 7, not 8).
 * - Zero energies: φ = relativeFloor · max_m(mean_m / c_m) (φ = 1 if every module's value is 0) is added to
 *   every module's value before the log, so log(0) never occurs and the result stays invariant to a common
 *   scale of all energies; for modules well above the floor the change is ≤ relativeFloor relative.
 * - std ≤ 1e-12 · max(1, max_m |logEnergy_m|) (all modules alike, or a single module) ⇒ E = all zeros, which
 *   every allocation rule turns into uniform sparsity.
 *
 * @param modules one {unitEnergies, cost} per module (M ≥ 1 modules, n_m ≥ 1, e_j finite ≥ 0, c_m > 0).
 * @param s target sparsity in [0, 1] (removed cost / total cost).
 */
export function moduleEnergies(modules: readonly ModuleUnitEnergies[], s: number, options: ModuleEnergiesOptions = {}): ModuleEnergies {
  const relativeFloor = options.relativeFloor ?? 1e-12;
  if (!Array.isArray(modules) || modules.length === 0) {
    throw new Error('moduleEnergies: modules must be a non-empty array of {unitEnergies, cost}');
  }
  if (!(s >= 0 && s <= 1)) throw new Error(`moduleEnergies: s = ${s} must be a sparsity in [0, 1]`);
  if (!(relativeFloor > 0) || !Number.isFinite(relativeFloor)) {
    throw new Error(`moduleEnergies: relativeFloor = ${relativeFloor} must be finite and > 0 (default 1e-12)`);
  }
  const M = modules.length;
  const perParam = new Float64Array(M); // mean of the k_m smallest e_j / c_m
  const unitsAveraged: number[] = [];
  modules.forEach(({ unitEnergies: e, cost: c }, m) => {
    const n = e?.length ?? 0;
    if (!(e instanceof Float64Array) || n === 0) {
      throw new Error(`moduleEnergies: modules[${m}].unitEnergies must be a non-empty Float64Array`);
    }
    if (!(c > 0) || !Number.isFinite(c)) {
      throw new Error(`moduleEnergies: modules[${m}].cost = ${c} must be finite and > 0 (weight scalars per unit)`);
    }
    for (let j = 0; j < n; j++) {
      if (!(e[j] >= 0) || !Number.isFinite(e[j])) {
        throw new Error(`moduleEnergies: modules[${m}].unitEnergies[${j}] = ${e[j]} must be finite and ≥ 0`);
      }
    }
    const k = Math.min(n, Math.max(1, Math.ceil(s * n - 1e-9)));
    const sorted = Float64Array.from(e).sort(); // typed-array sort is numeric
    let sum = 0;
    for (let i = 0; i < k; i++) sum += sorted[i];
    perParam[m] = sum / k / c;
    unitsAveraged.push(k);
  });
  let maxVal = 0;
  for (let m = 0; m < M; m++) maxVal = Math.max(maxVal, perParam[m]);
  const floor = maxVal > 0 ? relativeFloor * maxVal : 1;
  const logEnergy = perParam.map((v) => Math.log(v + floor));
  let mean = 0;
  let maxAbs = 0;
  for (let m = 0; m < M; m++) {
    mean += logEnergy[m];
    maxAbs = Math.max(maxAbs, Math.abs(logEnergy[m]));
  }
  mean /= M;
  let varSum = 0;
  for (let m = 0; m < M; m++) varSum += (logEnergy[m] - mean) ** 2;
  const std = Math.sqrt(varSum / M);
  const E = new Float64Array(M);
  if (std > 1e-12 * Math.max(1, maxAbs)) {
    for (let m = 0; m < M; m++) E[m] = (logEnergy[m] - mean) / std;
  }
  return { E, logEnergy, unitsAveraged, floor };
}
