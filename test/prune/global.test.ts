// `global` (METHOD.md §6): the Taylor gradient is the derivative of the calibration loss with respect to each
// unit's gate (checked by finite differences), passes do not change it, the mask is the one-threshold rule on
// importance/cost meeting the budget, and the method holds the whole model on the device (its memory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/backend';
import { fixtureModel } from '../../src/model/fixture';
import { Model } from '../../src/model/model';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { BlockGates } from '../../src/model/blocks';
import { countParams } from '../../src/model/hostTensor';
import { taylorImportance, globalMask } from '../../src/prune/global';
import { moduleSpecs, totalUnitCost } from '../../src/prune/coupling';
import { prune } from '../../src/prune/prune';
import { createRng } from '../../src/util/rng';
import { assertThresholdMask, noLeaks } from '../helpers';

const V = 64;
const windowsOf = (n: number, T: number, seed: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: T }, () => rng.int(0, V - 1)));
};

/** Mean next-token NLL over all windows, in float64 on the host from the logits (independent of global.ts's loss). */
function meanNll(model: Model, windows: number[][], gates?: (l: number) => BlockGates): number {
  const dm = toDevice(model);
  let sum = 0;
  let count = 0;
  try {
    for (const ids of windows) {
      const logits = tf.tidy(() => {
        const g = gates ? Array.from({ length: model.config.nLayers }, (_, l) => gates(l)) : undefined;
        return forward(model.config, dm.weights, ids, { gates: g }).logits;
      });
      const z = logits.dataSync();
      logits.dispose();
      for (let t = 0; t + 1 < ids.length; t++) {
        let max = -Infinity;
        for (let v = 0; v < V; v++) max = Math.max(max, z[t * V + v]);
        let s = 0;
        for (let v = 0; v < V; v++) s += Math.exp(z[t * V + v] - max);
        sum += max + Math.log(s) - z[t * V + ids[t + 1]];
        count++;
      }
    }
  } finally {
    dm.dispose();
  }
  return sum / count;
}

for (const arch of ['opt', 'llama'] as const) {
  test(`${arch}: ∂ℒ/∂g_j matches central finite differences; ℒ matches an independent computation`, async () => {
    await initBackend();
    // std 0.3 so that units matter (the default 0.02 makes every gradient ~1e-6)
    const model = fixtureModel({ arch, layers: 2, dModel: 32, nHeads: 4, vocabSize: V, maxSeq: 32, seed: 11, std: 0.3 });
    const windows = windowsOf(2, 12, 5);
    const t = await noLeaks(() => taylorImportance(model, windows));
    assert.ok(Math.abs(t.loss - meanNll(model, windows)) < 1e-4 * t.loss, `loss ${t.loss}`);
    assert.equal(t.tokens, 2 * 11);
    const specs = moduleSpecs(model.config, model.weights);
    const eps = 5e-4; // ℒ is strongly curved in a head's gate (std 0.3): central differences converge as eps → 0
    for (const [m, j] of [
      [0, 1],
      [1, 7],
      [3, 20],
      [2, 3],
    ] as const) {
      const s = specs[m];
      const gateAt =
        (delta: number) =>
        (l: number): BlockGates => {
          const ffn = new Float32Array(model.config.dFF).fill(1);
          const heads = new Float32Array(model.config.nHeads).fill(1);
          if (l === s.layer) (s.kind === 'ffn' ? ffn : heads)[j] += delta;
          return { ffn: tf.tensor1d(ffn), heads: tf.tensor1d(heads) };
        };
      const fd = (meanNll(model, windows, gateAt(eps)) - meanNll(model, windows, gateAt(-eps))) / (2 * eps);
      const g = t.gradient[m][j];
      assert.ok(Math.abs(fd - g) < 0.01 * Math.abs(g) + 2e-4, `${s.id} unit ${j}: autodiff ${g}, finite difference ${fd}`);
      assert.equal(t.importance[m][j], Math.abs(g));
    }
  });
}

test('windowsPerPass does not change the importance (the loss is a mean over equal windows)', async () => {
  await initBackend();
  const model = fixtureModel({ arch: 'opt', layers: 2, dModel: 32, vocabSize: V, maxSeq: 32, seed: 3, std: 0.2 });
  const windows = windowsOf(4, 10, 9);
  const a = await taylorImportance(model, windows);
  const b = await noLeaks(() => taylorImportance(model, windows, { windowsPerPass: 3 }));
  assert.ok(Math.abs(a.loss - b.loss) < 1e-5 * a.loss);
  a.gradient.forEach((g, m) =>
    g.forEach((v, j) => assert.ok(Math.abs(v - b.gradient[m][j]) < 1e-4 * Math.abs(v) + 1e-7, `${a.ids[m]}[${j}]: ${v} vs ${b.gradient[m][j]}`)),
  );
  await assert.rejects(() => taylorImportance(model, windows, { windowsPerPass: 0 }), /windowsPerPass/);
  await assert.rejects(() => taylorImportance(model, [[1]]), /≥ 2 tokens/);
});

test('globalMask: one threshold on importance/cost, removed cost first reaching the budget', async () => {
  await initBackend();
  const model = fixtureModel({ arch: 'llama', layers: 2, dModel: 32, nHeads: 4, vocabSize: V, maxSeq: 32, seed: 4, std: 0.2 });
  const windows = windowsOf(2, 12, 1);
  const specs = moduleSpecs(model.config, model.weights);
  const budget = 0.35 * totalUnitCost(specs);
  const mask = await globalMask(model, windows, budget);
  const t = await taylorImportance(model, windows);
  assertThresholdMask(specs, mask, t.importance, budget);
});

test('prune --method global: meets the budget, slices, leaks nothing; the device held the whole model', async () => {
  await initBackend();
  const model = fixtureModel({ arch: 'opt', layers: 6, dModel: 32, vocabSize: V, maxSeq: 32, seed: 2 });
  const windows = windowsOf(2, 8, 0);
  const g = await noLeaks(() => prune(model, { method: 'global', sparsity: 0.3, windows }));
  const sp = await prune(model, { method: 'structprune', sparsity: 0.3, windows, admm: { iterations: 2 } });
  const specs = moduleSpecs(model.config, model.weights);
  const maxCost = Math.max(...specs.map((s) => s.unitCost));
  assert.ok(g.report.sparsity >= 0.3 && g.report.sparsity < 0.3 + maxCost / totalUnitCost(specs), `sparsity ${g.report.sparsity}`);
  assert.equal(g.model.config.layers!.length, 6);
  assert.ok(g.report.params.pruned < g.report.params.dense);
  const weightBytes = 4 * countParams(model.weights);
  assert.ok(g.report.memory.peakBytes > weightBytes, `global peak ${g.report.memory.peakBytes} ≤ the weights ${weightBytes}`);
  assert.ok(sp.report.memory.peakBytes < weightBytes, `structprune peak ${sp.report.memory.peakBytes} ≥ the weights ${weightBytes}`);
  assert.ok(g.report.memory.maxRssBytes > 0 && g.report.memory.endBytes === g.report.memory.startBytes);
});
