import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thresholdProjection, topKProjection, UnitScores } from '../../src/prune/projection';
import { createRng } from '../../src/util/rng';

/** Seeded uniform [0, 1) from the project's RNG. */
function rng(seed: number): () => number {
  const r = createRng(seed);
  return () => r.float();
}

/** A random problem with N ≤ 12 units spread over 1–3 modules. */
function problem(seed: number, equalCost: number | null): UnitScores[] {
  const r = rng(seed);
  const M = 1 + (seed % 3);
  const N = 6 + Math.floor(r() * 7); // 6..12
  const sizes = new Array(M).fill(0);
  for (let i = 0; i < N; i++) sizes[i < M ? i : Math.floor(r() * M)]++;
  const palette = [1, 2, 3, 5, 8];
  return sizes.map((n) => ({
    scores: Float64Array.from({ length: n }, () => r() * 10),
    costs: Float64Array.from({ length: n }, () => equalCost ?? palette[Math.floor(r() * palette.length)]),
  }));
}

interface Flat {
  m: number;
  j: number;
  s: number;
  c: number;
}
function flatten(mods: UnitScores[]): Flat[] {
  return mods.flatMap(({ scores, costs }, m) => Array.from(scores, (s, j) => ({ m, j, s, c: costs[j] })));
}

/** min Σσ over all unit subsets with cost ≥ minCost (brute force). */
function bruteMin(units: Flat[], minCost: number): number {
  let best = Infinity;
  for (let mask = 0; mask < 1 << units.length; mask++) {
    let c = 0;
    let s = 0;
    for (let i = 0; i < units.length; i++) {
      if (mask & (1 << i)) {
        c += units[i].c;
        s += units[i].s;
      }
    }
    if (c >= minCost && s < best) best = s;
  }
  return best;
}

function removedSum(mods: UnitScores[], removed: Uint8Array[]): number {
  let s = 0;
  mods.forEach(({ scores }, m) => scores.forEach((v, j) => (s += removed[m][j] ? v : 0)));
  return s;
}

function budgetsFor(mods: UnitScores[], seed: number): number[] {
  const total = flatten(mods).reduce((a, u) => a + u.c, 0);
  const r = rng(1000 + seed);
  return [0, total, ...Array.from({ length: 6 }, () => Math.round(r() * total * 100) / 100)];
}

test('greedy-by-ratio minimises Σσ among sets with removed cost ≥ its own (mixed costs, brute force)', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const mods = problem(seed, null);
    for (const B of budgetsFor(mods, seed)) {
      const res = thresholdProjection(mods, B);
      const got = removedSum(mods, res.removed);
      const best = bruteMin(flatten(mods), res.removedCost);
      assert.ok(Math.abs(got - best) <= 1e-12 * Math.max(1, best), `seed ${seed} B ${B}: greedy ${got} vs brute ${best}`);
    }
  }
});

test('with equal costs greedy is the exact minimiser for the budget B itself (brute force)', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const mods = problem(seed, 1 + (seed % 4));
    for (const B of budgetsFor(mods, seed)) {
      const res = thresholdProjection(mods, B);
      const got = removedSum(mods, res.removed);
      const best = bruteMin(flatten(mods), B);
      assert.ok(Math.abs(got - best) <= 1e-12 * Math.max(1, best), `seed ${seed} B ${B}: greedy ${got} vs brute ${best}`);
    }
  }
});

test('with unequal costs greedy is not always optimal for B (documented knapsack counterexample)', () => {
  const mods = [{ scores: Float64Array.of(1, 2.5), costs: Float64Array.of(1, 3) }];
  const res = thresholdProjection(mods, 1);
  assert.deepEqual(Array.from(res.removed[0]), [0, 1]);
  assert.equal(removedSum(mods, res.removed), 2.5);
  assert.equal(bruteMin(flatten(mods), 1), 1);
});

test('removed set is the shortest greedy-order prefix reaching B, and σ/c < λ ⇔ removed', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const mods = problem(seed, null);
    const units = flatten(mods).sort((a, b) => a.s / a.c - b.s / b.c || a.m - b.m || a.j - b.j);
    for (const B of budgetsFor(mods, seed)) {
      const res = thresholdProjection(mods, B);
      let p = 0;
      let acc = 0;
      while (acc < B) acc += units[p++].c;
      const want = mods.map(({ scores }) => new Uint8Array(scores.length));
      units.slice(0, p).forEach((u) => (want[u.m][u.j] = 1));
      assert.deepEqual(res.removed, want, `seed ${seed} B ${B}`);
      assert.ok(res.removedCost >= B);
      if (p > 0) assert.ok(res.removedCost - units[p - 1].c < B, 'one unit fewer must fall short of B');
      assert.equal(res.ties, 0);
      mods.forEach(({ scores, costs }, m) => scores.forEach((s, j) => assert.equal(s / costs[j] < res.lambda, res.removed[m][j] === 1, `unit ${m}/${j}`)));
      // per-module sparsity by cost and counts agree with the mask
      mods.forEach(({ costs }, m) => {
        const tot = costs.reduce((a, c) => a + c, 0);
        const cut = costs.reduce((a, c, j) => a + (res.removed[m][j] ? c : 0), 0);
        assert.ok(Math.abs(res.perModuleSparsity[m] - cut / tot) < 1e-15);
        assert.equal(
          res.counts[m],
          res.removed[m].reduce((a, b) => a + b, 0),
        );
      });
    }
  }
});

test('tie-rich problems: still the greedy prefix; the λ rule holds except for the reported ties', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const r = rng(77 + seed);
    const mods = problem(seed, seed % 2 ? 2 : null).map(({ costs }) => ({
      scores: Float64Array.from(costs, (c) => Math.floor(r() * 3) * c), // ratios in {0, 1, 2}
      costs,
    }));
    const units = flatten(mods).sort((a, b) => a.s / a.c - b.s / b.c || a.m - b.m || a.j - b.j);
    for (const B of budgetsFor(mods, seed)) {
      const res = thresholdProjection(mods, B);
      let p = 0;
      let acc = 0;
      while (acc < B) acc += units[p++].c;
      const want = mods.map(({ scores }) => new Uint8Array(scores.length));
      units.slice(0, p).forEach((u) => (want[u.m][u.j] = 1));
      assert.deepEqual(res.removed, want, `seed ${seed} B ${B}`);
      assert.equal(res.lambda, p < units.length ? units[p].s / units[p].c : Infinity);
      let tied = 0;
      mods.forEach(({ scores, costs }, m) =>
        scores.forEach((s, j) => {
          const q = s / costs[j];
          if (q === res.lambda) tied += res.removed[m][j];
          else assert.equal(q < res.lambda, res.removed[m][j] === 1, `seed ${seed} B ${B} unit ${m}/${j}`);
        }),
      );
      assert.equal(res.ties, tied);
    }
  }
});

test('λ at the extremes: B = 0 removes nothing, B = total removes everything with λ = +∞', () => {
  const mods = problem(5, null);
  const none = thresholdProjection(mods, 0);
  assert.equal(none.removedCost, 0);
  assert.equal(none.lambda, Math.min(...flatten(mods).map((u) => u.s / u.c)));
  const total = flatten(mods).reduce((a, u) => a + u.c, 0);
  const all = thresholdProjection(mods, total);
  assert.equal(all.removedCost, total);
  assert.equal(all.lambda, Infinity);
  assert.ok(all.perModuleSparsity.every((s) => s === 1));
});

test('ties are broken by module index then unit index, and reported', () => {
  const mods = [
    { scores: Float64Array.of(1, 1, 1), costs: Float64Array.of(1, 1, 1) },
    { scores: Float64Array.of(1, 1), costs: Float64Array.of(1, 1) },
  ];
  const res = thresholdProjection(mods, 4);
  assert.deepEqual(
    res.removed.map((r) => Array.from(r)),
    [
      [1, 1, 1],
      [1, 0],
    ],
  );
  assert.equal(res.lambda, 1);
  assert.equal(res.ties, 4);
  const top = topKProjection([{ scores: Float64Array.of(2, 1, 1, 1), costs: Float64Array.of(1, 1, 1, 1) }], [2]);
  assert.deepEqual(Array.from(top.removed[0]), [0, 1, 1, 0]);
});

test('topK removes the k lowest-σ units per module: equals brute force for every k', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const mods = problem(seed, null);
    for (const mod of mods) {
      const n = mod.scores.length;
      for (let k = 0; k <= n; k++) {
        const res = topKProjection([mod], [k]);
        assert.equal(res.counts[0], k);
        let best = Infinity;
        for (let mask = 0; mask < 1 << n; mask++) {
          let bits = 0;
          let s = 0;
          for (let j = 0; j < n; j++)
            if (mask & (1 << j)) {
              bits++;
              s += mod.scores[j];
            }
          if (bits === k && s < best) best = s;
        }
        const got = removedSum([mod], res.removed);
        assert.ok(Math.abs(got - best) <= 1e-12 * Math.max(1, best), `seed ${seed} k ${k}`);
        const cut = mod.costs.reduce((a, c, j) => a + (res.removed[0][j] ? c : 0), 0);
        assert.equal(res.removedCost, cut);
      }
    }
  }
});

test('pure and deterministic: same output twice, inputs untouched', () => {
  const mods = problem(7, null);
  const copy = mods.map(({ scores, costs }) => ({ scores: scores.slice(), costs: costs.slice() }));
  const a = thresholdProjection(mods, 10);
  const b = thresholdProjection(mods, 10);
  assert.deepEqual(a, b);
  assert.deepEqual(mods, copy);
  assert.deepEqual(
    topKProjection(
      mods,
      mods.map(() => 1),
    ),
    topKProjection(
      copy,
      mods.map(() => 1),
    ),
  );
});

test('errors name the offending entry and the fix', () => {
  const ok = { scores: Float64Array.of(1, 2), costs: Float64Array.of(1, 1) };
  assert.throws(() => thresholdProjection([], 0), /non-empty/);
  assert.throws(() => thresholdProjection([ok], 3), /budget = 3 must be in \[0, total cost 2\]/);
  assert.throws(() => thresholdProjection([ok], -1), /budget/);
  assert.throws(() => thresholdProjection([{ scores: Float64Array.of(-1), costs: Float64Array.of(1) }], 0), /scores\[0\]/);
  assert.throws(() => thresholdProjection([{ scores: Float64Array.of(NaN), costs: Float64Array.of(1) }], 0), /scores\[0\]/);
  assert.throws(() => thresholdProjection([{ scores: Float64Array.of(1), costs: Float64Array.of(0) }], 0), /costs\[0\]/);
  assert.throws(() => thresholdProjection([{ scores: Float64Array.of(1), costs: Float64Array.of(1, 1) }], 0), /one cost per unit/);
  assert.throws(() => topKProjection([ok], [3]), /counts\[0\] = 3/);
  assert.throws(() => topKProjection([ok], [1, 1]), /2 counts for 1 modules/);
});
