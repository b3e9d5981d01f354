// The baselines' mask rules (METHOD.md §6) on synthetic module problems, against direct re-derivations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localMask, globalThresholdMask } from '../../src/prune/baselines';
import { unitEnergies } from '../../src/prune/moduleProblems';
import { syntheticProblem } from './synthetic';

const problems = () => [
  syntheticProblem('layers.0.attn', 4, 4, 6, 3 * 4 * 6, 1),
  syntheticProblem('layers.0.ffn', 24, 1, 6, 3 * 6, 2),
  syntheticProblem('layers.1.attn', 4, 4, 6, 3 * 4 * 6, 3),
  syntheticProblem('layers.1.ffn', 24, 1, 6, 3 * 6, 4),
];
const total = (ps: ReturnType<typeof problems>) => ps.reduce((a, p) => a + p.spec.units.length * p.spec.unitCost, 0);
const removedCost = (ps: ReturnType<typeof problems>, mask: Record<string, Uint8Array>) =>
  ps.reduce((a, p) => a + mask[p.spec.id].reduce((s, v) => s + v, 0) * p.spec.unitCost, 0);

test('local: the same fraction in every module, the lowest-energy units of each, budget met with less than one unit to spare', () => {
  const ps = problems();
  for (const s of [0.1, 0.3, 0.5]) {
    const budget = s * total(ps);
    const mask = localMask(ps, budget);
    const cost = removedCost(ps, mask);
    assert.ok(cost >= budget - 1e-9 && cost < budget + Math.max(...ps.map((p) => p.spec.unitCost)), `s=${s}: removed ${cost} of budget ${budget}`);
    for (const p of ps) {
      const m = mask[p.spec.id];
      const k = m.reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(k / m.length - s) <= 1 / m.length + 1e-9, `${p.spec.id}: ${k}/${m.length} at s=${s}`);
      const e = unitEnergies(p);
      const order = Array.from(e.keys()).sort((a, b) => e[a] - e[b]);
      assert.deepEqual(
        order.slice(0, k).sort((a, b) => a - b),
        Array.from(m.keys()).filter((u) => m[u]),
        `${p.spec.id}: lowest e_j removed`,
      );
    }
  }
});

test('global-threshold: one threshold on the per-module standardised energies across modules, budget met', () => {
  const ps = problems();
  const z = ps.map((p) => {
    const e = unitEnergies(p);
    const mean = e.reduce((a, b) => a + b, 0) / e.length;
    const std = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / e.length);
    return Array.from(e, (v) => (v - mean) / std);
  });
  for (const s of [0.2, 0.4]) {
    const budget = s * total(ps);
    const mask = globalThresholdMask(ps, budget);
    assert.ok(removedCost(ps, mask) >= budget - 1e-9);
    let maxRemoved = -Infinity;
    let minKept = Infinity;
    ps.forEach((p, m) => mask[p.spec.id].forEach((v, u) => (v ? (maxRemoved = Math.max(maxRemoved, z[m][u])) : (minKept = Math.min(minKept, z[m][u])))));
    assert.ok(maxRemoved <= minKept + 1e-12, `s=${s}: a removed unit has z ${maxRemoved} above a kept one's ${minKept}`);
    const perModule = ps.map((p) => mask[p.spec.id].reduce((a, v) => a + v, 0) / p.spec.units.length);
    assert.ok(Math.max(...perModule) - Math.min(...perModule) > 0, 'not the uniform rule');
  }
});
