import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocate, roundCounts, AllocationKind, AllocationModule } from '../../src/prune/allocation';
import { createRng } from '../../src/util/rng';

/** Seeded uniform [0, 1) from the project's RNG. */
function rng(seed: number): () => number {
  const r = createRng(seed);
  return () => r.float();
}

/** Random model-like modules: FFN (cost 3·d per neuron) and attention (cost 4·d·dHead per head) alternate. */
function modules(seed: number, M = 2 + (seed % 7)): AllocationModule[] {
  const r = rng(seed);
  const d = 16 + Math.floor(r() * 48);
  return Array.from({ length: M }, (_, m) =>
    m % 2 === 0 ? { n: 1 + Math.floor(r() * 300), cost: 3 * d, E: r() * 4 - 2 } : { n: 1 + Math.floor(r() * 12), cost: 4 * d * 8, E: r() * 4 - 2 },
  );
}
const totalOf = (mods: AllocationModule[]) => mods.reduce((a, { n, cost }) => a + n * cost, 0);
const KINDS: AllocationKind[] = ['uniform', 'softmax', 'fermi-dirac'];

test('every kind meets the budget: B ≤ removed cost < B + max unit cost, 0 ≤ k_m ≤ n_m', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const mods = modules(seed);
    const total = totalOf(mods);
    const maxCost = Math.max(...mods.map((m) => m.cost));
    const r = rng(500 + seed);
    for (const frac of [0, 0.001, r() * 0.9, r() * 0.9, 0.9]) {
      const B = Math.round(frac * total);
      for (const kind of KINDS) {
        for (const temperature of [0.05, 1, 20]) {
          const a = allocate({ modules: mods, budget: B }, { kind, temperature });
          const tag = `seed ${seed} B ${B} ${kind} T ${temperature}`;
          assert.ok(a.removedCost >= B, `${tag}: removed ${a.removedCost} < B`);
          assert.ok(a.removedCost < B + maxCost, `${tag}: removed ${a.removedCost} ≥ B + ${maxCost}`);
          assert.equal(
            a.removedCost,
            a.counts.reduce((acc, k, m) => acc + k * mods[m].cost, 0),
          );
          assert.equal(a.deficit, 0);
          assert.equal(a.achievedSparsity, a.removedCost / total);
          a.counts.forEach((k, m) => assert.ok(Number.isInteger(k) && k >= 0 && k <= mods[m].n, `${tag}: k_${m} = ${k}`));
          // each count is within one unit of its continuous value
          a.counts.forEach((k, m) => assert.ok(Math.abs(k - a.fractions[m] * mods[m].n) < 1 + 1e-9, tag));
          assert.ok(Math.abs(a.budgetResidual) <= 1e-9, `${tag}: residual ${a.budgetResidual}`);
        }
      }
    }
  }
});

test('fermi-dirac μ solves the budget to 1e-9 relative before rounding (recomputed here)', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const mods = modules(seed);
    const total = totalOf(mods);
    for (const T of [0.2, 1, 5]) {
      for (const frac of [0.01, 0.3, 0.7]) {
        const B = frac * total;
        const a = allocate({ modules: mods, budget: B }, { kind: 'fermi-dirac', temperature: T, sMax: 0.95 });
        assert.ok(a.mu !== undefined && Number.isFinite(a.mu));
        const spent = mods.reduce((acc, { n, cost, E }) => acc + n * cost * Math.min(0.95, 1 / (1 + Math.exp((E + a.mu!) / T))), 0);
        assert.ok(Math.abs(spent - B) <= 1e-9 * B, `seed ${seed} T ${T}: ${spent} vs ${B}`);
      }
    }
  }
});

test('fermi-dirac and softmax agree in the dilute limit, and not beyond it', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const mods = modules(seed, 6);
    const total = totalOf(mods);
    const relDiff = (frac: number) => {
      const fd = allocate({ modules: mods, budget: frac * total }, { kind: 'fermi-dirac' }).fractions;
      const sm = allocate({ modules: mods, budget: frac * total }, { kind: 'softmax' }).fractions;
      return Math.max(...Array.from(fd, (v, m) => Math.abs(v - sm[m]) / v));
    };
    assert.ok(relDiff(1e-4) < 1e-2, `seed ${seed}: dilute rel diff ${relDiff(1e-4)}`);
    assert.ok(relDiff(0.5) > 1e-2, `seed ${seed}: dense rel diff ${relDiff(0.5)} should show the non-dilute gap`);
  }
});

test('T → ∞ (1e6) gives uniform sparsity for softmax and fermi-dirac', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const mods = modules(seed);
    const total = totalOf(mods);
    const B = 0.4 * total;
    const u = allocate({ modules: mods, budget: B }, { kind: 'uniform' });
    for (const kind of ['softmax', 'fermi-dirac'] as const) {
      const a = allocate({ modules: mods, budget: B }, { kind, temperature: 1e6 });
      a.fractions.forEach((s, m) => assert.ok(Math.abs(s - 0.4) <= 1e-5, `${kind} seed ${seed}: s_${m} = ${s}`));
      assert.deepEqual(a.counts.length, u.counts.length);
    }
    u.fractions.forEach((s) => assert.equal(s, B / total));
  }
});

/** T → 0 reference: fill modules in increasing E up to sMax until the budget is spent. */
function waterFill(mods: AllocationModule[], B: number, sMax: number): number[] {
  const s = mods.map(() => 0);
  let left = B;
  for (const m of mods.map((_, i) => i).sort((a, b) => mods[a].E - mods[b].E)) {
    const cap = sMax * mods[m].n * mods[m].cost;
    const take = Math.min(cap, left);
    s[m] = take / (mods[m].n * mods[m].cost);
    left -= take;
  }
  return s;
}

test('T → 0 concentrates pruning in the lowest-energy modules (both rules → water filling)', () => {
  for (let seed = 1; seed <= 10; seed++) {
    // distinct energies at least 0.1 apart so exp(-0.1 / T) is negligible
    const mods = modules(seed, 6).map((m, i) => ({ ...m, E: ((i * 7) % 6) * 0.1 + 0.01 * seed }));
    const total = totalOf(mods);
    const B = 0.35 * total;
    const want = waterFill(mods, B, 0.95);
    for (const kind of ['softmax', 'fermi-dirac'] as const) {
      const a = allocate({ modules: mods, budget: B }, { kind, temperature: 1e-3 });
      a.fractions.forEach((s, m) => assert.ok(Math.abs(s - want[m]) <= 1e-9, `${kind} seed ${seed}: s_${m} = ${s} vs ${want[m]}`));
    }
  }
});

test('at any T, lower energy never gets a smaller fraction', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const mods = modules(seed);
    const B = 0.3 * totalOf(mods);
    for (const kind of ['softmax', 'fermi-dirac'] as const) {
      for (const temperature of [0.1, 1, 10]) {
        const { fractions } = allocate({ modules: mods, budget: B }, { kind, temperature });
        for (let a = 0; a < mods.length; a++)
          for (let b = 0; b < mods.length; b++) if (mods[a].E < mods[b].E) assert.ok(fractions[a] >= fractions[b] - 1e-15, `${kind} T ${temperature}`);
      }
    }
  }
});

test('the cap holds: s_m ≤ sMax, counts ≤ ⌈sMax n_m⌉, budget still met; infeasible budgets are refused', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const mods = modules(seed, 5);
    mods[0].E = Math.min(...mods.map((m) => m.E)) - 5; // one clearly lowest-energy module: at T = 0.05 it wants s > sMax
    const total = totalOf(mods);
    for (const kind of ['softmax', 'fermi-dirac'] as const) {
      for (const sMax of [0.95, 0.6]) {
        const B = Math.floor(0.55 * total);
        const a = allocate({ modules: mods, budget: B }, { kind, temperature: 0.05, sMax });
        assert.ok(a.capped >= 1, `${kind} sMax ${sMax}: expected a capped module`);
        a.fractions.forEach((s) => assert.ok(s <= sMax, `${kind}: ${s} > ${sMax}`));
        a.counts.forEach((k, m) => assert.ok(k <= Math.ceil(sMax * mods[m].n)));
        assert.ok(a.removedCost >= B);
      }
      assert.throws(() => allocate({ modules: mods, budget: 0.97 * total }, { kind }), /sMax/);
    }
    assert.doesNotThrow(() => allocate({ modules: mods, budget: 0.97 * total }, { kind: 'uniform' }));
  }
});

test('edges: B = 0 removes nothing; B = total with sMax = 1 removes everything', () => {
  const mods = modules(4);
  const total = totalOf(mods);
  for (const kind of KINDS) {
    const zero = allocate({ modules: mods, budget: 0 }, { kind });
    assert.ok(zero.counts.every((k) => k === 0));
    const all = allocate({ modules: mods, budget: total }, { kind, sMax: 1 });
    assert.deepEqual(
      all.counts,
      mods.map((m) => m.n),
    );
    assert.equal(all.achievedSparsity, 1);
  }
  assert.equal(allocate({ modules: mods, budget: 0 }, { kind: 'fermi-dirac' }).mu, Infinity);
});

test('largest remainder by cost: floors, then largest remainder first, stop once B is reached', () => {
  // equal remainders 1/3: ties go to the lower module index
  assert.deepEqual(
    roundCounts(
      [
        { n: 3, cost: 1 },
        { n: 3, cost: 1 },
        { n: 3, cost: 1 },
      ],
      [4 / 9, 4 / 9, 4 / 9],
      4,
    ).counts,
    [2, 1, 1],
  );
  // remainders 0.9 (cost 100) and 0.5 (cost 1): the 0.9 module goes first and already covers B
  const r = roundCounts(
    [
      { n: 10, cost: 100 },
      { n: 10, cost: 1 },
    ],
    [0.29, 0.35],
    290 + 3.5,
  );
  assert.deepEqual(r.counts, [3, 3]);
  assert.equal(r.removedCost, 303);
  // floors alone meet B: nothing added
  assert.deepEqual(roundCounts([{ n: 4, cost: 2 }], [0.5], 4).counts, [2]);
  // float error below an integer is not rounded down
  assert.deepEqual(roundCounts([{ n: 100, cost: 1 }], [0.57], 57).counts, [57]);
  // a budget no set of units reaches is reported as a deficit
  const d = roundCounts([{ n: 2, cost: 5 }], [1], 12);
  assert.deepEqual(d.counts, [2]);
  assert.equal(d.deficit, 2);
});

test('deterministic and pure', () => {
  const mods = modules(9);
  const copy = mods.map((m) => ({ ...m }));
  for (const kind of KINDS) {
    const B = 0.37 * totalOf(mods);
    assert.deepEqual(allocate({ modules: mods, budget: B }, { kind }), allocate({ modules: copy, budget: B }, { kind }));
  }
  assert.deepEqual(mods, copy);
});

test('errors name the key and the fix', () => {
  const mods = [{ n: 4, cost: 2, E: 0 }];
  assert.throws(() => allocate({ modules: [], budget: 0 }, { kind: 'uniform' }), /modules is empty/);
  assert.throws(() => allocate({ modules: mods, budget: -1 }, { kind: 'uniform' }), /budget = -1/);
  assert.throws(() => allocate({ modules: mods, budget: 9 }, { kind: 'uniform' }), /total cost 8/);
  assert.throws(() => allocate({ modules: mods, budget: 1 }, { kind: 'softmax', temperature: 0 }), /temperature = 0/);
  assert.throws(() => allocate({ modules: mods, budget: 1 }, { kind: 'softmax', temperature: -1 }), /temperature/);
  assert.throws(() => allocate({ modules: mods, budget: 1 }, { kind: 'nope' as AllocationKind }), /options.kind/);
  assert.throws(() => allocate({ modules: [{ n: 0, cost: 1, E: 0 }], budget: 0 }, { kind: 'uniform' }), /modules\[0\].n/);
  assert.throws(() => allocate({ modules: [{ n: 1, cost: 0, E: 0 }], budget: 0 }, { kind: 'uniform' }), /cost/);
  assert.throws(() => allocate({ modules: [{ n: 1, cost: 1, E: NaN }], budget: 0 }, { kind: 'uniform' }), /\.E/);
  assert.throws(() => allocate({ modules: mods, budget: 1 }, { kind: 'softmax', sMax: 0 }), /sMax/);
});
