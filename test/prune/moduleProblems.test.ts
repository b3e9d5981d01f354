// Per-module problems: module weights w_m and dense unit energies e_j (METHOD.md §3–§4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stories260K } from '../helpers';
import { collectStats } from '../../src/prune/stats';
import { buildProblems, unitEnergies } from '../../src/prune/moduleProblems';
import { calibrationWindows } from '../../src/data/calibrationWindows';

test('weights: relative = 1/‖P⁰A‖², absolute = 1, residual = 1/Σ‖x‖² of the block input; e_j follows §3', async () => {
  const loaded = await stories260K();
  const { windows } = await calibrationWindows(loaded, { samples: 4, seqlen: 32, seed: 3 });
  const stats = await collectStats(loaded.model, windows);
  assert.equal(stats.tokens, 128);
  assert.equal(stats.streamEnergy.length, 5);
  const rel = await buildProblems(loaded.model, stats, { weighting: 'relative' });
  const abs = await buildProblems(loaded.model, stats, { weighting: 'absolute' });
  const res = await buildProblems(loaded.model, stats, { weighting: 'residual' });
  for (let m = 0; m < rel.length; m++) {
    const p = rel[m];
    // ‖P⁰A‖² recomputed on the host in float64
    let q = 0;
    for (let i = 0; i < p.n; i++)
      for (let j = 0; j < p.n; j++) {
        let dot = 0;
        for (let c = 0; c < p.d; c++) dot += p.W0[i * p.d + c] * p.W0[j * p.d + c];
        q += p.H[i * p.n + j] * dot;
      }
    assert.ok(Math.abs(p.outputEnergy - q) < 1e-3 * q, `${p.spec.id}: ${p.outputEnergy} vs ${q}`);
    assert.ok(Math.abs(p.weight * q - 1) < 1e-3);
    assert.equal(abs[m].weight, 1);
    assert.equal(res[m].weight, 1 / stats.streamEnergy[p.spec.layer]);
    const e = unitEnergies(abs[m]);
    const u = 3;
    let manual = 0;
    for (let c = u * p.spec.width; c < (u + 1) * p.spec.width; c++) {
      let norm = 0;
      for (let k = 0; k < p.d; k++) norm += p.W0[c * p.d + k] ** 2;
      manual += p.H[c * p.n + c] * norm;
    }
    assert.ok(Math.abs(e[u] - manual) < 1e-9 * manual);
  }
  await assert.rejects(() => buildProblems(loaded.model, stats, { weighting: 'bogus' as never }), /weighting must be/);
});

test('await energies(model, stats) feeds allocate(...) directly; the budget holds and T → ∞ is uniform', async () => {
  const { energies } = await import('../../src/prune/energyTable');
  const { allocate } = await import('../../src/prune/allocation');
  const loaded = await stories260K();
  const { windows } = await calibrationWindows(loaded, { samples: 4, seqlen: 32, seed: 3 });
  const table = await energies(loaded.model, await collectStats(loaded.model, windows), { sparsity: 0.3 });
  assert.equal(table.modules.length, 10);
  const mean = table.modules.reduce((a, m) => a + m.E, 0) / 10;
  assert.ok(Math.abs(mean) < 1e-9);
  for (const kind of ['softmax', 'fermi-dirac'] as const) {
    const a = allocate(table, { kind, temperature: 1 });
    assert.ok(a.removedCost >= table.budget && a.removedCost < table.budget + 1024);
    const hot = allocate(table, { kind, temperature: 1e6 });
    for (const f of hot.fractions) assert.ok(Math.abs(f - 0.3) < 1e-4);
  }
});
