// Calibration Gram accumulation: the BLAS engine (host buffer, one ssyrk per chunk, float64 across chunks)
// against the per-window tfjs engine and a float64 reference, including several chunks and a ragged window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/backend';
import { blasInfo, setBlas } from '../../src/linalg/blas';
import { GramAccumulator } from '../../src/prune/stats';
import { createRng } from '../../src/util/rng';
import { noLeaks } from '../helpers';

const initial = blasInfo().mode;

async function accumulate(mode: 'openblas' | 'ts', windows: Float32Array[], n: number, chunkTokens: number): Promise<GramAccumulator> {
  setBlas(mode);
  try {
    const acc = new GramAccumulator(n, chunkTokens);
    await noLeaks(async () => {
      for (const w of windows) {
        const a = tf.tensor2d(w, [w.length / n, n]);
        await acc.add(a);
        a.dispose();
      }
    });
    acc.finish();
    return acc;
  } finally {
    setBlas(initial);
  }
}

test('GramAccumulator: BLAS chunks equal the tfjs engine and the float64 reference (H symmetric, sum, tokens)', async () => {
  await initBackend();
  let hasBlas = true;
  try {
    setBlas('openblas');
  } catch {
    hasBlas = false;
  } finally {
    setBlas(initial);
  }
  const n = 23;
  const rng = createRng(5);
  const lengths = [40, 40, 17, 40, 40, 40]; // chunk of 100 tokens: flushes mid-stream, a short window too
  const windows = lengths.map((T) => Float32Array.from({ length: T * n }, () => rng.normal() + 0.3));
  const H = new Float64Array(n * n);
  const sum = new Float64Array(n);
  for (const w of windows) {
    for (let t = 0; t < w.length / n; t++) {
      for (let i = 0; i < n; i++) {
        sum[i] += w[t * n + i];
        for (let j = 0; j < n; j++) H[i * n + j] += w[t * n + i] * w[t * n + j];
      }
    }
  }
  const scale = Math.max(...Array.from(H, Math.abs));
  for (const mode of hasBlas ? (['openblas', 'ts'] as const) : (['ts'] as const)) {
    for (const chunk of [100, 10000]) {
      const acc = await accumulate(mode, windows, n, chunk);
      assert.equal(acc.tokens, 217);
      let dH = 0;
      for (let i = 0; i < n * n; i++) dH = Math.max(dH, Math.abs(acc.H[i] - H[i]));
      assert.ok(dH < 1e-5 * scale, `${mode} chunk ${chunk}: |ΔH| ${dH} (scale ${scale})`);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(acc.H[i * n + j], acc.H[j * n + i], `${mode}: H not symmetric`);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(acc.sum[i] - sum[i]) < 1e-4, `${mode}: sum`);
      acc.finish(); // idempotent
      let dH2 = 0;
      for (let i = 0; i < n * n; i++) dH2 = Math.max(dH2, Math.abs(acc.H[i] - H[i]));
      assert.equal(dH2, dH);
    }
  }
});
