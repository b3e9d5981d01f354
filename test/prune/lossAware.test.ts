// The loss-aware module objective (METHOD.md §3b) predicts the measured change of the calibration loss when a
// module's down projection is perturbed: small random dense perturbations (second-order change, by a symmetric
// difference) and removals of random units (the pruning case), across every module of stories260K.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend';
import { Model } from '../../src/model/model';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { calibrationWindows } from '../../src/data/calibrationWindows';
import { collectStats } from '../../src/prune/stats';
import { blockwiseOutputGradients, windowNllSum } from '../../src/prune/blockBackward';
import { buildProblems } from '../../src/prune/moduleProblems';
import { predictedLossIncrease, outputWeights } from '../../src/prune/lossAware';
import { createRng } from '../../src/util/rng';
import { noLeaks, stories260K } from '../helpers';

async function meanLoss(model: Model, windows: number[][]): Promise<number> {
  const dm = toDevice(model);
  try {
    let s = 0;
    for (const ids of windows) {
      const v = tf.tidy(() => windowNllSum(forward(model.config, dm.weights, ids).logits, ids));
      s += (await v.data())[0];
      v.dispose();
    }
    return s / (windows.length * (windows[0].length - 1));
  } finally {
    dm.dispose();
  }
}

function withDelta(model: Model, key: string, dW: Float32Array, sign: number): Model {
  const t = model.weights[key];
  const data = Float32Array.from(t.data, (v, i) => v + sign * dW[i]);
  return { ...model, weights: { ...model.weights, [key]: { ...t, data } } };
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

test('loss-aware objective predicts measured loss changes on stories260K (log-log correlation bound)', async () => {
  const loaded = await stories260K();
  const model = loaded.model;
  const { windows } = await calibrationWindows(loaded, { samples: 8, seqlen: 64, seed: 3 });
  const stats = await collectStats(model, windows);
  const sens = await noLeaks(() => blockwiseOutputGradients(model, windows));
  const omega = outputWeights(sens);
  const problems = await buildProblems(model, stats, { weighting: 'loss', sensitivity: sens });
  const L0 = await meanLoss(model, windows);
  assert.ok(Math.abs(L0 - sens.loss) < 1e-5 * L0, `loss ${sens.loss} vs ${L0}`);
  const rng = createRng(7);
  const small: [number, number][] = [];
  const removal: [number, number][] = [];
  for (const p of problems) {
    const { n, d, W0 } = p;
    let rms = 0;
    for (const v of W0) rms += v * v;
    rms = Math.sqrt(rms / W0.length);
    // (a) small dense perturbation: second-order change by (L(W+Δ) + L(W−Δ))/2 − L(W)
    const dW = Float32Array.from({ length: n * d }, () => 0.1 * rms * rng.normal());
    const pred = predictedLossIncrease(p.H, omega.get(p.spec.id)!, dW, n, d);
    const meas =
      ((await meanLoss(withDelta(model, p.spec.downKey, dW, 1), windows)) + (await meanLoss(withDelta(model, p.spec.downKey, dW, -1), windows))) / 2 - L0;
    small.push([pred, meas]);
    // (b) remove a random quarter of the units (rows of W), no compensation
    const rm = new Float32Array(n * d);
    const units = p.spec.units.length;
    for (let u = 0; u < units; u++) {
      if (rng.float() >= 0.25) continue;
      for (let c = u * p.spec.width; c < (u + 1) * p.spec.width; c++) for (let k = 0; k < d; k++) rm[c * d + k] = -W0[c * d + k];
    }
    removal.push([predictedLossIncrease(p.H, omega.get(p.spec.id)!, rm, n, d), (await meanLoss(withDelta(model, p.spec.downKey, rm, 1), windows)) - L0]);
  }
  const lg = (v: number) => Math.log(Math.max(v, 1e-12));
  const rSmall = pearson(
    small.map((r) => lg(r[0])),
    small.map((r) => lg(r[1])),
  );
  const rRemove = pearson(
    removal.map((r) => lg(r[0])),
    removal.map((r) => lg(r[1])),
  );
  const ratio = small.map((r) => r[1] / r[0]);
  console.log(
    `# loss-aware prediction: log-log Pearson r = ${rSmall.toFixed(3)} (small dense), ${rRemove.toFixed(3)} (remove 25 % of units); measured/predicted (small) ${Math.min(...ratio).toFixed(2)}…${Math.max(...ratio).toFixed(2)}`,
  );
  console.log(`# small ${JSON.stringify(small.map((r) => r.map((v) => +v.toExponential(2))))}`);
  console.log(`# removal ${JSON.stringify(removal.map((r) => r.map((v) => +v.toExponential(2))))}`);
  assert.ok(
    small.every(([p]) => p > 0),
    'predictions are positive',
  );
  assert.ok(rSmall >= 0.8, `small perturbations: log-log correlation ${rSmall}`);
  assert.ok(rRemove >= 0.6, `unit removals: log-log correlation ${rRemove}`);
});
