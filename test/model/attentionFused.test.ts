// Fused causal attention (native kernel and its TypeScript twin) against the per-head tfjs path it replaces,
// on random GQA inputs and on the real stories260K forward (logits, head gates, captures, golden logits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend';
import { attentionHeads, causalMask } from '../../src/model/blocks';
import { attentionInfo, fusedCausalAttention, setAttention, AttentionMode } from '../../src/model/attentionFused';
import { forward } from '../../src/model/forward';
import { toDevice } from '../../src/model/device';
import { blasInfo, setBlas, BlasMode } from '../../src/linalg/blas';
import { stories260K, golden, noLeaks, maxAbsDiff } from '../helpers';

const initial = attentionInfo().mode;
const initialBlas = blasInfo().mode;
const nativeBuilt = (() => {
  try {
    setAttention('native');
    return true;
  } catch (e) {
    assert.match(String(e), /setup-blas\.sh --native/);
    return false;
  } finally {
    setAttention(initial);
  }
})();
// `.ci/run` builds the native kernel (a C compiler is on CI's machine); elsewhere the fused TypeScript loop is tested.
const fusedModes: AttentionMode[] = nativeBuilt ? ['native', 'js'] : ['js'];

function withMode<T>(mode: AttentionMode, f: () => T): T {
  try {
    setAttention(mode);
    return f();
  } finally {
    setAttention(initial);
  }
}

function seeded(shape: [number, number], seed: number): tf.Tensor2D {
  return tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor2D;
}

test('fusedCausalAttention equals softmax(q kᵀ + mask) v per head (GQA, odd T, dh 8 and 64)', async () => {
  await stories260K(); // initialises the backend
  for (const [T, dh, kvOf] of [
    [1, 8, [0]],
    [37, 8, [0, 0, 1, 1]],
    [50, 64, [0, 1, 2]],
    [300, 32, [0, 0]],
    [19, 8, [1, 0]],
  ] as [number, number, number[]][]) {
    const nKv = Math.max(...kvOf) + 1;
    const q = seeded([T, kvOf.length * dh], T + dh);
    const k = seeded([T, nKv * dh], T * 3);
    const v = seeded([T, nKv * dh], T * 5);
    const mask = causalMask(T);
    const ref = tf.tidy(() => {
      const hs = attentionHeads(q, k, v, kvOf, dh, mask);
      return hs.length === 1 ? hs[0] : tf.concat(hs, 1);
    });
    const refV = ref.dataSync();
    const routes: [AttentionMode, BlasMode][] = fusedModes.map((m) => [m, 'auto']);
    if (nativeBuilt) routes.push(['native', 'ts']); // wide heads: BLAS route under 'auto', native loop under 'ts'
    for (const [mode, blas] of routes) {
      setBlas(blas);
      const got = await noLeaks(() =>
        withMode(mode, () => {
          const o = fusedCausalAttention(q, k, v, kvOf, dh);
          const d = o.dataSync().slice();
          assert.deepEqual(o.shape, [T, kvOf.length * dh]);
          o.dispose();
          return d;
        }),
      );
      setBlas(initialBlas);
      assert.ok(maxAbsDiff(got, refV) < 5e-6, `${mode}/${blas} T=${T} dh=${dh}: ${maxAbsDiff(got, refV)}`);
    }
    tf.dispose([q, k, v, mask, ref]);
  }
});

test('fusedCausalAttention rejects bad shapes and kv indices, naming them', async () => {
  await stories260K();
  const q = tf.zeros([4, 16]) as tf.Tensor2D;
  const k = tf.zeros([4, 8]) as tf.Tensor2D;
  assert.throws(() => fusedCausalAttention(q, k, k, [0, 0, 0], 8), /q is \[4,16\], expected \[T, 3·8\]/);
  assert.throws(() => fusedCausalAttention(q, k, k, [0, 1], 8), /kv head 1 outside \[0, 1\)/);
  assert.throws(() => fusedCausalAttention(q, tf.zeros([3, 8]) as tf.Tensor2D, k, [0, 0], 8), /must both be \[4, nKv·8\]/);
  assert.throws(() => setAttention('flash' as AttentionMode), /setAttention="flash" is not one of auto\|native\|js\|tfjs/);
  tf.dispose([q, k]);
});

test('stories260K forward: fused attention equals the per-head path (logits, gates, captures) and golden', async () => {
  const { model } = await stories260K();
  const dm = toDevice(model);
  try {
    const ids = Array.from({ length: 96 }, (_, i) => (i * 37 + 11) % model.config.vocabSize);
    const gates = Array.from({ length: model.config.nLayers }, (_, l) => ({
      heads: tf.tensor1d(Array.from({ length: model.config.nHeads }, (_, h) => ((h + l) % 3 === 0 ? 0 : 1))),
    }));
    const run = (mode: AttentionMode, g: boolean) =>
      withMode(mode, () =>
        tf.tidy(() => {
          const r = forward(model.config, dm.weights, ids, { gates: g ? gates : undefined, capture: true });
          return { logits: r.logits.dataSync().slice(), attn: r.captures[2].attnHidden!.dataSync().slice() };
        }),
      );
    for (const g of [false, true]) {
      const ref = run('tfjs', g);
      const scale = Math.max(...Array.from(ref.logits, Math.abs));
      for (const mode of fusedModes) {
        const got = await noLeaks(() => run(mode, g));
        // float32 rounding of a different summation order: ≤ 2 ulp-scale relative to the largest logit
        assert.ok(maxAbsDiff(got.logits, ref.logits) <= 2e-6 * scale, `${mode} gates=${g}: |Δlogit| ${maxAbsDiff(got.logits, ref.logits)} (max ${scale})`);
        assert.ok(maxAbsDiff(got.attn, ref.attn) < 1e-5, `${mode} gates=${g}: capture differs`);
      }
      if (g) {
        const ungated = run('tfjs', false);
        assert.ok(maxAbsDiff(ungated.logits, ref.logits) > 1e-2, 'head gates must change the logits');
      }
    }
    for (const mode of fusedModes) {
      const l = withMode(mode, () => tf.tidy(() => forward(model.config, dm.weights, [model.config.bosId]).logits.dataSync().slice()));
      assert.ok(maxAbsDiff(l, golden().logits_after_bos) < 1e-4, `${mode}: golden logits after BOS`);
    }
  } finally {
    dm.dispose();
  }
});
