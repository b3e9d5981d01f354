// The Z-step projection of METHOD.md §4 step 2 ("the structured mask") on host numbers: given a score σ_j
// and a cost c_j per unit, choose which units to remove. Pure functions on Float64Array, no tensors.
//
// Exactness (why removing the smallest σ/c is "the" projection; checked by brute force in
// test/prune/projection.test.ts). Let G be the greedy set: units taken in increasing σ/c (ties by module
// index, then unit index) until the removed cost first reaches B, and let λ* = σ/c of the last unit taken.
// For every unit set S, Σ_S σ − λ*·cost(S) = Σ_{j∈S} c_j (σ_j/c_j − λ*), which is minimised by any set that
// holds every unit with ratio < λ*, none with ratio > λ*, and any of those with ratio = λ* — G is such a set.
// Hence, for σ ≥ 0 (so λ* ≥ 0) and any S with cost(S) ≥ cost(G):
//   Σ_S σ ≥ (Σ_G σ − λ* cost(G)) + λ* cost(S) ≥ Σ_G σ.
// 1. With unequal costs, G is the exact minimiser of Σ_removed σ among all sets whose removed cost is ≥ the
//    greedy set's OWN removed cost cost(G) (which may overshoot B). It is NOT always the minimiser for the
//    budget B itself (a 0/1 knapsack): costs [1, 3], σ = [1, 2.5], B = 1 → greedy removes the cost-3 unit
//    (ratio 0.83 < 1, Σσ = 2.5) while the cost-1 unit alone (Σσ = 1) also meets B.
// 2. When all units (of all modules) have the same cost c, any S with cost(S) ≥ B has |S| ≥ ⌈B/c⌉ = |G|,
//    so cost(S) ≥ cost(G) and G is the exact minimiser for the budget B.

/** One module's units for the projection: `scores[j]` = σ_j ≥ 0 (e.g. ‖Ṽ[:, j]‖²), `costs[j]` = c_{m,j} > 0
 * (weight scalars the unit owns; usually equal within a module, but a per-unit array is accepted).
 * Both have length n_m ≥ 0. */
export interface UnitScores {
  scores: Float64Array;
  costs: Float64Array;
}

/** Which units a projection removes, per module, and what that costs. All host data. */
export interface Projection {
  /** removed[m][j] = 1 iff unit j of module m is removed; length n_m. */
  removed: Uint8Array[];
  /** Number of removed units per module. */
  counts: number[];
  /** Σ of c_{m,j} over removed units (weight scalars). */
  removedCost: number;
  /** Per module: removed cost / the module's total cost (0 for a module with no units). */
  perModuleSparsity: number[];
}

/** Result of `thresholdProjection`: a `Projection` plus the global threshold λ. */
export interface ThresholdProjection extends Projection {
  /**
   * The single threshold on σ/c for all modules: the ratio of the first unit KEPT in greedy order
   * (+Infinity when every unit is removed). With it, `scores[j] / costs[j] < lambda` ⇔ removed, exactly
   * (same floating-point division), for every unit whose ratio is not equal to λ. A unit whose ratio equals
   * λ is removed iff it precedes the first kept unit in the (module, unit) tie order; that happens only when
   * a tie straddles the boundary, and `ties` counts such removed units (0 ⇒ the rule holds for all units).
   */
  lambda: number;
  /** Removed units whose ratio equals `lambda` (removed by the tie order, not by `< lambda`). */
  ties: number;
  /** The budget B that was asked for (removedCost ≥ budget). */
  budget: number;
}

function checkModules(modules: readonly UnitScores[], fn: string): void {
  if (!Array.isArray(modules) || modules.length === 0) {
    throw new Error(`${fn}: modules must be a non-empty array of {scores, costs}; got ${modules?.length ?? modules}`);
  }
  modules.forEach((mod, m) => {
    const { scores, costs } = mod;
    if (!(scores instanceof Float64Array) || !(costs instanceof Float64Array)) {
      throw new Error(`${fn}: modules[${m}].scores and .costs must be Float64Array`);
    }
    if (scores.length !== costs.length) {
      throw new Error(`${fn}: modules[${m}] has ${scores.length} scores but ${costs.length} costs; give one cost per unit`);
    }
    for (let j = 0; j < scores.length; j++) {
      const s = scores[j];
      const c = costs[j];
      if (!(s >= 0) || !Number.isFinite(s)) {
        throw new Error(`${fn}: modules[${m}].scores[${j}] = ${s}; scores must be finite and ≥ 0 (σ = ‖Ṽ[:, j]‖²)`);
      }
      if (!(c > 0) || !Number.isFinite(c)) {
        throw new Error(`${fn}: modules[${m}].costs[${j}] = ${c}; costs must be finite and > 0 (weight scalars)`);
      }
    }
  });
}

function summarise(modules: readonly UnitScores[], removed: Uint8Array[]): Projection {
  let removedCost = 0;
  const counts: number[] = [];
  const perModuleSparsity: number[] = [];
  modules.forEach(({ costs }, m) => {
    let total = 0;
    let cut = 0;
    let k = 0;
    for (let j = 0; j < costs.length; j++) {
      total += costs[j];
      if (removed[m][j]) {
        cut += costs[j];
        k++;
      }
    }
    removedCost += cut;
    counts.push(k);
    perModuleSparsity.push(total > 0 ? cut / total : 0);
  });
  return { removed, counts, removedCost, perModuleSparsity };
}

/**
 * Global threshold projection (allocation `"threshold"`, METHOD.md §4 step 2): one λ for all modules,
 * remove unit j iff σ_j / c_j < λ, with λ chosen so that the removed cost first reaches `budget`.
 *
 * Result: the units taken in greedy order — by (σ/c, module index, unit index) ascending — until the removed
 * cost is ≥ B. The prefix one unit shorter has cost < B, so the removed cost is the smallest ≥ B in greedy
 * order. See the file header for when it is exact. Computed by a native sort of the ratios plus a bisection
 * on the boundary ratio, O(N log N) for N units in all (≈ 0.6 s for 2.4 M units, OPT-66B's count).
 *
 * @param modules one {scores, costs} per module (σ ≥ 0, c > 0, equal lengths).
 * @param budget B, removed cost to reach, in weight scalars; 0 ≤ B ≤ total cost of all units.
 * @returns masks, λ (see `ThresholdProjection.lambda` for its exact value), removed cost, per-module sparsity.
 */
export function thresholdProjection(modules: readonly UnitScores[], budget: number): ThresholdProjection {
  checkModules(modules, 'thresholdProjection');
  // Flatten in (module, unit) order so that a flat index tie-break is the (module, unit) tie-break.
  let N = 0;
  for (const mod of modules) N += mod.scores.length;
  const ratio = new Float64Array(N); // σ/c, flat
  const cost = new Float64Array(N);
  const modOf = new Uint32Array(N);
  const unitOf = new Uint32Array(N);
  let total = 0;
  let t = 0;
  modules.forEach(({ scores, costs }, m) => {
    for (let j = 0; j < scores.length; j++, t++) {
      ratio[t] = scores[j] / costs[j];
      cost[t] = costs[j];
      modOf[t] = m;
      unitOf[t] = j;
      total += costs[j];
    }
  });
  if (!Number.isFinite(budget) || budget < 0 || budget > total) {
    throw new Error(
      `thresholdProjection: budget = ${budget} must be in [0, total cost ${total}] (weight scalars); ` +
        'use budget = sparsity × total cost with 0 ≤ sparsity ≤ 1',
    );
  }
  // Greedy order = (ratio, flat index). Instead of sorting indices with a comparator (slow in V8), sort the
  // ratios natively and bisect on C(v) = Σ cost of units with ratio ≤ v for the boundary value λ*: the smallest
  // sorted ratio with C(λ*) ≥ B. Units below λ* are all removed (their cost is < B by minimality); units at
  // exactly λ* are then taken in flat (module, unit) order until the cost reaches B — the same set as the
  // greedy prefix. O(N log N): one native sort plus ⌈log₂ N⌉ linear passes.
  const removed = modules.map(({ scores }) => new Uint8Array(scores.length));
  const sorted = ratio.slice().sort();
  let lambda = N > 0 ? sorted[0] : Infinity;
  let ties = 0;
  if (budget > 0) {
    const costUpTo = (v: number): number => {
      let acc = 0;
      for (let i = 0; i < N; i++) if (ratio[i] <= v) acc += cost[i];
      return acc;
    };
    let lo = 0;
    let hi = N - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (costUpTo(sorted[mid]) >= budget) hi = mid;
      else lo = mid + 1;
    }
    const lamStar = sorted[lo];
    let acc = 0;
    for (let i = 0; i < N; i++) {
      if (ratio[i] < lamStar) {
        removed[modOf[i]][unitOf[i]] = 1;
        acc += cost[i];
      }
    }
    let keptAtStar = false;
    for (let i = 0; i < N; i++) {
      if (ratio[i] !== lamStar) continue;
      if (acc < budget) {
        removed[modOf[i]][unitOf[i]] = 1;
        acc += cost[i];
        ties++;
      } else {
        keptAtStar = true;
      }
    }
    if (keptAtStar) {
      lambda = lamStar;
    } else {
      // every unit at λ* is removed: λ = the next larger ratio (first kept), or +∞ if none is kept
      let q = lo;
      while (q < N && sorted[q] <= lamStar) q++;
      lambda = q < N ? sorted[q] : Infinity;
      ties = 0;
    }
  }
  return { ...summarise(modules, removed), lambda, ties, budget };
}

/**
 * Per-module top-k projection (allocations `"softmax"`, `"fermi-dirac"`, `"uniform"`, METHOD.md §4 step 2):
 * remove the k_m units of lowest σ in module m (ties: lower unit index removed first). For a fixed count k_m
 * this is the exact minimiser of Σ_removed σ within the module, whatever the costs.
 *
 * @param modules one {scores, costs} per module.
 * @param counts k_m per module, integers with 0 ≤ k_m ≤ n_m (e.g. `allocate(...).counts`).
 */
export function topKProjection(modules: readonly UnitScores[], counts: ArrayLike<number>): Projection {
  checkModules(modules, 'topKProjection');
  if (counts.length !== modules.length) {
    throw new Error(`topKProjection: ${counts.length} counts for ${modules.length} modules; give one k_m per module`);
  }
  const removed = modules.map(({ scores }, m) => {
    const n = scores.length;
    const k = counts[m];
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new Error(`topKProjection: counts[${m}] = ${k} must be an integer in [0, n_m = ${n}]`);
    }
    // k-th smallest σ by a native sort; all below it go, then ties at it in unit order until k are removed
    const mask = new Uint8Array(n);
    if (k === 0) return mask;
    const v = scores.slice().sort()[k - 1];
    let taken = 0;
    for (let j = 0; j < n; j++) {
      if (scores[j] < v) {
        mask[j] = 1;
        taken++;
      }
    }
    for (let j = 0; j < n && taken < k; j++) {
      if (scores[j] === v) {
        mask[j] = 1;
        taken++;
      }
    }
    return mask;
  });
  return summarise(modules, removed);
}
