// The calibration statistics against an independent computation: the Gram matrices H_m of collectStats
// (block-by-block on host activations) equal AᵀA of the activations captured by the full forward pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stories260K, noLeaks } from '../helpers';
import { tf } from '../../src/backend';
import { collectStats } from '../../src/prune/stats';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { calibrationWindows } from '../../src/data/calibrationWindows';

test('collectStats H_m = Σ_windows AᵀA of forward({capture: true}) activations, every module of stories260K', async () => {
  const loaded = await stories260K();
  const { model } = loaded;
  const { windows } = await calibrationWindows(loaded, { samples: 3, seqlen: 48, seed: 5 });
  const stats = await noLeaks(() => collectStats(model, windows));
  const dm = toDevice(model);
  const want = new Map<string, Float64Array>();
  try {
    for (const ids of windows) {
      const caps = tf.tidy(() => forward(model.config, dm.weights, ids, { capture: true }).captures.map((c) => [c.attnHidden!, c.ffnHidden!]));
      for (let l = 0; l < caps.length; l++) {
        for (const [kind, t] of [
          ['attn', caps[l][0]],
          ['ffn', caps[l][1]],
        ] as const) {
          const [T, n] = t.shape;
          const A = (await t.data()) as Float32Array;
          t.dispose();
          const key = `${l}.${kind}`;
          const H = want.get(key) ?? new Float64Array(n * n);
          for (let s = 0; s < T; s++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[i * n + j] += A[s * n + i] * A[s * n + j];
          want.set(key, H);
        }
      }
    }
  } finally {
    dm.dispose();
  }
  assert.equal(stats.grams.length, want.size);
  assert.equal(stats.tokens, 3 * 48);
  for (const g of stats.grams) {
    const H = want.get(`${g.layer}.${g.kind}`)!;
    assert.equal(g.H.length, H.length, g.id);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < H.length; i++) {
      err = Math.max(err, Math.abs(g.H[i] - H[i]));
      norm = Math.max(norm, Math.abs(H[i]));
    }
    assert.ok(err <= 1e-4 * norm, `${g.id}: max |ΔH| ${err} vs max |H| ${norm}`);
    assert.equal(g.tokens, 3 * 48);
  }
});
