// Structured units: zero mode = zeroed activations, sliced = zeroed, parameter delta = Σ unit cost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend';
import { stories260K, noLeaks, maxAbsDiff, logitsOf } from '../helpers';
import { moduleSpecs, prunableParams } from '../../src/prune/coupling';
import { sliceModel, zeroUnits, RemovedMask, maskCost } from '../../src/prune/slice';
import { countParams } from '../../src/model/hostTensor';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { fixtureModel } from '../../src/model/fixture';
import { Model } from '../../src/model/model';
import { createRng } from '../../src/util/rng';

const IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];

/**
 * Float32 equality of two logit vectors up to summation order: 2e-6 of the largest logit (OpenBLAS sgemm sums a
 * sliced product in another order than the zeroed one: 3e-5 on logits up to ≈ 20 measured).
 */
function f32Tol(b: ArrayLike<number>): number {
  let m = 1;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(b[i]));
  return 2e-6 * m;
}

function randomMask(model: Model, p: number, seed: number): RemovedMask {
  const rng = createRng(seed);
  const mask: RemovedMask = {};
  for (const s of moduleSpecs(model.config, model.weights)) mask[s.id] = Uint8Array.from(s.units, () => (rng.float() < p ? 1 : 0));
  return mask;
}

function gatedLogits(model: Model, mask: RemovedMask): Float32Array {
  const dm = toDevice(model);
  try {
    const t = tf.tidy(() => {
      const gates = Array.from({ length: model.config.nLayers }, (_, l) => ({
        ffn: tf.tensor1d(Float32Array.from(mask[`layers.${l}.ffn`], (r) => 1 - r)),
        heads: tf.tensor1d(Float32Array.from(mask[`layers.${l}.attn`], (r) => 1 - r)),
      }));
      return forward(model.config, dm.weights, IDS, { gates }).logits;
    });
    const out = t.dataSync() as Float32Array;
    t.dispose();
    return out;
  } finally {
    dm.dispose();
  }
}

test('coupling: stories260K unit costs come from the table', async () => {
  const { model } = await stories260K();
  const specs = moduleSpecs(model.config, model.weights);
  assert.equal(specs.length, 10);
  const ffn = specs.find((s) => s.id === 'layers.0.ffn')!;
  const attn = specs.find((s) => s.id === 'layers.0.attn')!;
  assert.equal(ffn.unitCost, 3 * 64); // gate row, up row, down column
  assert.equal(attn.unitCost, 2 * 8 * 64); // q rows + o columns (GQA: K/V shared)
  assert.equal(attn.kvCost, 2 * 8 * 64); // k and v rows of one KV head
  // prunable = every block linear weight
  const perBlock = 64 * 64 * 2 + 2 * 64 * 32 + 3 * 64 * 172;
  assert.equal(prunableParams(model.config, model.weights), 5 * perBlock);
});

test('zero mode gives the same logits as zeroing the activations', async () => {
  const { model } = await stories260K();
  const mask = randomMask(model, 0.3, 1);
  const a = await noLeaks(() => logitsOf(zeroUnits(model, mask), IDS));
  const b = await noLeaks(() => gatedLogits(model, mask));
  assert.ok(maxAbsDiff(a, b) < 1e-5, `diff ${maxAbsDiff(a, b)}`);
  assert.ok(maxAbsDiff(a, logitsOf(model, IDS)) > 1e-2, 'the mask must change the logits');
});

test('sliced equals zeroed (≤ 2e-6 of the largest logit) and the parameter delta equals the removed cost', async () => {
  const { model } = await stories260K();
  const mask = randomMask(model, 0.4, 2);
  // remove both query heads of KV group 1 in layer 0, so its K/V rows go too
  mask['layers.0.attn'].set([0, 0, 1, 1], 0);
  const sliced = sliceModel(model, mask);
  assert.deepEqual(sliced.config.layers![0].kvHeads.includes(1), false);
  const a = logitsOf(zeroUnits(model, mask), IDS);
  const b = logitsOf(sliced, IDS);
  assert.ok(maxAbsDiff(a, b) <= f32Tol(b), `diff ${maxAbsDiff(a, b)} (tolerance ${f32Tol(b)})`);
  const specs = moduleSpecs(model.config, model.weights);
  const { removedCost } = maskCost(specs, mask);
  const kvRemoved = sliced.config.layers!.reduce((n, s) => n + (model.config.nKvHeads - s.kvHeads.length), 0);
  assert.ok(kvRemoved >= 1);
  assert.equal(countParams(model.weights) - countParams(sliced.weights), removedCost + kvRemoved * 2 * 8 * 64);
  assert.equal(prunableParams(model.config, model.weights) - prunableParams(sliced.config, sliced.weights), removedCost + kvRemoved * 2 * 8 * 64);
});

test('slicing twice composes (a pruned model can be pruned again)', async () => {
  const { model } = await stories260K();
  const m1 = randomMask(model, 0.3, 3);
  const once = sliceModel(model, m1);
  const m2 = randomMask(once, 0.3, 4);
  const twice = sliceModel(once, m2);
  const tw = logitsOf(twice, IDS);
  assert.ok(maxAbsDiff(logitsOf(zeroUnits(once, m2), IDS), tw) <= f32Tol(tw));
  for (let l = 0; l < 5; l++) assert.ok(twice.config.layers![l].ffn.every((u) => once.config.layers![l].ffn.includes(u)));
});

test('OPT fixture: sliced equals zeroed, biases sliced with their units', () => {
  const model = fixtureModel({ arch: 'opt', layers: 2, dModel: 32, nHeads: 4, seed: 5, std: 0.3, maxSeq: 32 });
  const ids = [2, 10, 20, 30, 40];
  const mask = randomMask(model, 0.5, 6);
  const sliced = sliceModel(model, mask);
  assert.ok(maxAbsDiff(logitsOf(zeroUnits(model, mask), ids), logitsOf(sliced, ids)) <= 1e-5);
  const kept = mask['layers.0.ffn'].length - mask['layers.0.ffn'].reduce((a, b) => a + b, 0);
  assert.deepEqual(sliced.weights['layers.0.ffn.fc1.bias'].shape, [kept]);
  assert.equal(countParams(model.weights) - countParams(sliced.weights), maskCost(moduleSpecs(model.config, model.weights), mask).removedCost);
});

test('a mask of the wrong length or an unknown module is rejected', async () => {
  const { model } = await stories260K();
  assert.throws(() => sliceModel(model, { 'layers.0.ffn': new Uint8Array(3) }), /has 3 entries/);
  assert.throws(() => sliceModel(model, { 'layers.9.ffn': new Uint8Array(3) }), /unknown module/);
});
