// finalizePruning on its own: kept units and parameter counts follow the mask, sliced equals zeroed without
// compensation, the compensation lowers the reconstruction error, and the sequential refit lowers it further.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stories260K, noLeaks, logitsOf } from '../helpers';
import { fixtureModel } from '../../src/model/fixture';
import { Model } from '../../src/model/model';
import { countParams } from '../../src/model/hostTensor';
import { collectStats } from '../../src/prune/stats';
import { finalizePruning } from '../../src/prune/finalize';
import { moduleSpecs } from '../../src/prune/coupling';
import { RemovedMask, maskCost, zeroUnits } from '../../src/prune/slice';
import { calibrationWindows } from '../../src/data/calibrationWindows';
import { createRng } from '../../src/util/rng';
import { initBackend } from '../../src/backend';

/** Σ over windows of ‖logits(a) − logits(b)‖². */
function logitError(a: Model, b: Model, windows: number[][]): number {
  let e = 0;
  for (const ids of windows) {
    const x = logitsOf(a, ids);
    const y = logitsOf(b, ids);
    for (let i = 0; i < x.length; i++) e += (x[i] - y[i]) ** 2;
  }
  return e;
}

/** A seeded mask removing about `frac` of every module's units (never all of them). */
function randomMask(model: Model, frac: number, seed: number): RemovedMask {
  const rng = createRng(seed);
  const mask: RemovedMask = {};
  for (const s of moduleSpecs(model.config, model.weights)) {
    const m = new Uint8Array(s.units.length);
    for (let u = 1; u < m.length; u++) m[u] = rng.float() < frac ? 1 : 0;
    mask[s.id] = m;
  }
  return mask;
}

const fixture = () => fixtureModel({ arch: 'llama', layers: 2, dModel: 32, nHeads: 4, seed: 3, maxSeq: 32, std: 0.2 });
const fixtureWindows = (n: number) => {
  const rng = createRng(9);
  return Array.from({ length: n }, () => Array.from({ length: 24 }, () => Math.floor(rng.float() * 512)));
};

test('kept units are the complement of the mask; the parameter delta equals the removed unit cost; no leaks', async () => {
  await initBackend();
  const model = fixture();
  const windows = fixtureWindows(6);
  const stats = await collectStats(model, windows);
  const mask = randomMask(model, 0.4, 1);
  const pruned = await noLeaks(() => finalizePruning(model, stats, mask));
  const specs = moduleSpecs(model.config, model.weights);
  for (const s of specs) {
    const kept = s.units.filter((_, u) => !mask[s.id][u]);
    assert.deepEqual(pruned.config.layers![s.layer][s.kind === 'ffn' ? 'ffn' : 'heads'], kept, s.id);
  }
  assert.equal(countParams(model.weights) - countParams(pruned.weights), maskCost(specs, mask).removedCost);
});

test('without compensation, sliced equals zeroed; with it, the reconstruction error drops; damp 0 + nothing removed changes nothing', async () => {
  await initBackend();
  const model = fixture();
  const windows = fixtureWindows(8);
  const stats = await collectStats(model, windows);
  const mask = randomMask(model, 0.4, 2);
  const plain = await finalizePruning(model, stats, mask, { compensate: false });
  const zeroed = zeroUnits(model, mask);
  for (const ids of windows.slice(0, 2)) {
    const a = logitsOf(plain, ids);
    const b = logitsOf(zeroed, ids);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(b[i])), `logit ${i}: ${a[i]} vs ${b[i]}`);
  }
  const compensated = await finalizePruning(model, stats, mask, { damp: 1e-4 });
  const ePlain = logitError(plain, model, windows);
  const eComp = logitError(compensated, model, windows);
  assert.ok(eComp < ePlain, `compensated ${eComp} ≥ plain ${ePlain}`);
  const none: RemovedMask = {};
  const same = await finalizePruning(model, stats, none, { damp: 0 });
  for (const s of moduleSpecs(model.config, model.weights)) {
    const a = same.weights[s.downKey].data;
    const b = model.weights[s.downKey].data;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-3 * (1 + Math.abs(b[i])), `${s.downKey}[${i}]`);
  }
});

test('stories260K: the sequential refit lowers the reconstruction error of the one-shot compensation', async () => {
  const loaded = await stories260K();
  const { model } = loaded;
  const { windows } = await calibrationWindows(loaded, { samples: 8, seqlen: 64, seed: 0 });
  const stats = await collectStats(model, windows);
  const mask = randomMask(model, 0.3, 4);
  const oneShot = await finalizePruning(model, stats, mask);
  const sequential = await noLeaks(() => finalizePruning(model, stats, mask, { sequential: true, windows }));
  const eOne = logitError(oneShot, model, windows);
  const eSeq = logitError(sequential, model, windows);
  console.log(`Σ‖Δlogits‖² on the calibration windows: one-shot ${eOne.toExponential(4)}, sequential ${eSeq.toExponential(4)}`);
  assert.ok(eSeq < eOne, `sequential ${eSeq} ≥ one-shot ${eOne}`);
});
