// `global` (loss-aware, O(N)): I_j = 1/(2 N_pred) Σ_t (∂ℒ_Σ/∂g_{t,j})² with a gate per token and unit. Checked
// against autodiff with per-token FFN gates [T, n] (an independent path through forward()'s gating), and the
// mask is the one-threshold rule on I_j / cost meeting the budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/backend';
import { fixtureModel } from '../../src/model/fixture';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { BlockGates } from '../../src/model/blocks';
import { fisherImportance, globalFisherMask } from '../../src/prune/globalFisher';
import { windowNllSum } from '../../src/prune/blockBackward';
import { moduleSpecs, totalUnitCost } from '../../src/prune/coupling';
import { createRng } from '../../src/util/rng';
import { assertThresholdMask, noLeaks } from '../helpers';

const V = 48;
const windowsOf = (n: number, T: number, seed: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: T }, () => rng.int(0, V - 1)));
};

for (const arch of ['llama', 'opt'] as const) {
  test(`${arch}: FFN importances equal per-token gate gradients by autodiff`, async () => {
    await initBackend();
    const model = fixtureModel({ arch, layers: 2, dModel: 16, nHeads: 2, vocabSize: V, maxSeq: 16, seed: 5, std: 0.3 });
    const windows = windowsOf(2, 10, 3);
    const f = await noLeaks(() => fisherImportance(model, windows));
    const specs = moduleSpecs(model.config, model.weights);
    const dm = toDevice(model);
    try {
      for (let l = 0; l < model.config.nLayers; l++) {
        const m = specs.findIndex((s) => s.id === `layers.${l}.ffn`);
        const n = specs[m].units.length;
        const ref = new Float64Array(n);
        for (const ids of windows) {
          const g = tf.tidy(() => {
            const gate = tf.ones([ids.length, n]);
            return tf.grad((x: tf.Tensor) => {
              const gates: BlockGates[] = Array.from({ length: model.config.nLayers }, () => ({}));
              gates[l].ffn = x as tf.Tensor1D; // [T, n] broadcasts against the hidden activation
              return windowNllSum(forward(model.config, dm.weights, ids, { gates }).logits, ids);
            })(gate);
          });
          const v = await g.data();
          g.dispose();
          for (let i = 0; i < v.length; i++) ref[i % n] += v[i] * v[i];
        }
        const N = windows.length * (windows[0].length - 1);
        for (let j = 0; j < n; j++) {
          const r = ref[j] / (2 * N);
          assert.ok(Math.abs(f.importance[m][j] - r) <= 1e-4 * r + 1e-12, `${specs[m].id}[${j}]: ${f.importance[m][j]} vs ${r}`);
        }
      }
    } finally {
      dm.dispose();
    }
  });
}

test('globalFisherMask: one threshold on I_j / cost, removed cost first reaching the budget', async () => {
  await initBackend();
  const model = fixtureModel({ arch: 'llama', layers: 2, dModel: 32, nHeads: 4, vocabSize: V, maxSeq: 16, seed: 4, std: 0.2 });
  const windows = windowsOf(2, 12, 1);
  const specs = moduleSpecs(model.config, model.weights);
  const budget = 0.35 * totalUnitCost(specs);
  const mask = await noLeaks(() => globalFisherMask(model, windows, budget));
  const f = await fisherImportance(model, windows);
  assertThresholdMask(specs, mask, f.importance, budget);
});
