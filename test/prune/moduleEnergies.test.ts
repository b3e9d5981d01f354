import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleEnergies } from '../../src/prune/moduleEnergies';
import { createRng } from '../../src/util/rng';

/** Seeded uniform [0, 1) from the project's RNG. */
function rng(seed: number): () => number {
  const r = createRng(seed);
  return () => r.float();
}

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('hand-computed: mean of the ⌈s·n⌉ smallest energies per parameter, then standardised', () => {
  const res = moduleEnergies(
    [
      { unitEnergies: Float64Array.of(4, 1, 3, 2), cost: 2 }, // s = 0.5 → k = 2: {1, 2} → 1.5 / 2 = 0.75
      { unitEnergies: Float64Array.of(20, 10), cost: 1 }, // k = 1: 10
      { unitEnergies: Float64Array.of(5, 7, 6), cost: 4 }, // k = ⌈1.5⌉ = 2: {5, 6} → 5.5 / 4
    ],
    0.5,
  );
  assert.deepEqual(res.unitsAveraged, [2, 1, 2]);
  const raw = [0.75, 10, 5.5 / 4];
  raw.forEach((v, m) => close(res.logEnergy[m], Math.log(v + res.floor)));
  close(res.floor, 1e-12 * 10);
  const mean = res.logEnergy.reduce((a, b) => a + b, 0) / 3;
  const std = Math.sqrt(res.logEnergy.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
  res.E.forEach((e, m) => close(e, (res.logEnergy[m] - mean) / std));
  // the cheapest module per parameter has the lowest energy
  assert.ok(res.E[0] < res.E[2] && res.E[2] < res.E[1]);
});

test('standardised across modules: mean 0, population std 1', () => {
  const r = rng(3);
  const mods = Array.from({ length: 9 }, (_, m) => ({
    unitEnergies: Float64Array.from({ length: 10 + m * 7 }, () => r() * (m + 1)),
    cost: 1 + (m % 3) * 100,
  }));
  const { E } = moduleEnergies(mods, 0.3);
  const mean = E.reduce((a, b) => a + b, 0) / E.length;
  const varr = E.reduce((a, b) => a + (b - mean) ** 2, 0) / E.length;
  close(mean, 0, 1e-12);
  close(varr, 1, 1e-12);
});

test('unit-count guards: s·n < 1 → one unit, float error in s·n absorbed, s = 1 → all', () => {
  const e = Float64Array.from({ length: 10 }, (_, j) => 10 - j);
  const at = (s: number) => moduleEnergies([{ unitEnergies: e, cost: 1 }], s).unitsAveraged[0];
  assert.equal(at(0), 1);
  assert.equal(at(0.01), 1);
  assert.equal(at(0.3), 3);
  assert.equal(at(0.31), 4);
  const e100 = new Float64Array(100).fill(1);
  assert.equal(moduleEnergies([{ unitEnergies: e100, cost: 1 }], 0.07).unitsAveraged[0], 7); // 0.07·100 = 7.000000000000001
  assert.equal(at(1), 10);
});

test('degenerate spreads give zeros: identical modules, a single module', () => {
  const mod = { unitEnergies: Float64Array.of(0.1, 0.2, 0.3), cost: 3 };
  assert.deepEqual(Array.from(moduleEnergies([mod, mod, mod], 0.5).E), [0, 0, 0]);
  assert.deepEqual(Array.from(moduleEnergies([mod], 0.5).E), [0]);
});

test('zero energies are floored: finite output, the zero module is the lowest', () => {
  const res = moduleEnergies(
    [
      { unitEnergies: Float64Array.of(0, 0, 5), cost: 1 },
      { unitEnergies: Float64Array.of(1, 2, 3), cost: 1 },
      { unitEnergies: Float64Array.of(4, 5, 6), cost: 1 },
    ],
    0.5,
  );
  assert.ok(res.E.every(Number.isFinite));
  assert.ok(res.E[0] < res.E[1] && res.E[1] < res.E[2]);
  close(res.logEnergy[0], Math.log(res.floor));
  const allZero = moduleEnergies(
    [
      { unitEnergies: new Float64Array(4), cost: 2 },
      { unitEnergies: new Float64Array(2), cost: 1 },
    ],
    0.5,
  );
  assert.equal(allZero.floor, 1);
  assert.deepEqual(Array.from(allZero.E), [0, 0]);
});

test('invariant to a common scale of all energies', () => {
  const r = rng(11);
  const mods = Array.from({ length: 5 }, (_, m) => ({
    unitEnergies: Float64Array.from({ length: 20 }, () => r() ** (m + 1)),
    cost: 1 + m,
  }));
  const a = moduleEnergies(mods, 0.4).E;
  const b = moduleEnergies(
    mods.map(({ unitEnergies, cost }) => ({ unitEnergies: unitEnergies.map((v) => v * 1e6), cost })),
    0.4,
  ).E;
  a.forEach((v, m) => close(b[m], v, 1e-9));
});

test('pure: inputs untouched, same output twice', () => {
  const e = Float64Array.of(3, 1, 2);
  const mods = [
    { unitEnergies: e, cost: 1 },
    { unitEnergies: Float64Array.of(9, 8), cost: 2 },
  ];
  const a = moduleEnergies(mods, 0.5);
  assert.deepEqual(Array.from(e), [3, 1, 2]);
  assert.deepEqual(a, moduleEnergies(mods, 0.5));
});

test('errors name the module and the fix', () => {
  const ok = { unitEnergies: Float64Array.of(1), cost: 1 };
  assert.throws(() => moduleEnergies([], 0.5), /non-empty/);
  assert.throws(() => moduleEnergies([ok], 1.5), /s = 1.5/);
  assert.throws(() => moduleEnergies([ok, { unitEnergies: new Float64Array(0), cost: 1 }], 0.5), /modules\[1\]/);
  assert.throws(() => moduleEnergies([{ unitEnergies: Float64Array.of(-1), cost: 1 }], 0.5), /unitEnergies\[0\] = -1/);
  assert.throws(() => moduleEnergies([{ unitEnergies: Float64Array.of(1), cost: 0 }], 0.5), /cost = 0/);
});
