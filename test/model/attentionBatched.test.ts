// The batched attention layout (3-D matMuls over all heads) computes what the per-head layout computes:
// logits, captured module activations and head gates, with GQA (stories260K) and OPT biases, on wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/backend';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { fixtureModel } from '../../src/model/fixture';
import { attentionLayout } from '../../src/model/blocks';
import type { Model } from '../../src/model/model';
import { stories260K, maxAbsDiff, noLeaks } from '../helpers';

async function both(model: Model, ids: number[], gated: boolean): Promise<number[]> {
  const dm = toDevice(model);
  try {
    const diffs: number[] = [];
    const run = (attention: 'perHead' | 'batched') =>
      tf.tidy(() => {
        const gates = gated
          ? Array.from({ length: model.config.nLayers }, (_, l) => ({
              heads: tf.tensor1d(Array.from({ length: model.config.nHeads }, (_, h) => ((h + l) % 3 === 0 ? 0 : 1))),
            }))
          : undefined;
        const r = forward(model.config, dm.weights, ids, { attention, capture: true, gates });
        return [r.logits, ...r.captures.map((c) => c.attnHidden!)].map((t) => t.dataSync() as Float32Array);
      });
    const a = run('perHead');
    const b = run('batched');
    for (let i = 0; i < a.length; i++) diffs.push(maxAbsDiff(a[i], b[i]));
    return diffs;
  } finally {
    dm.dispose();
  }
}

test('batched = per-head attention on stories260K (GQA): logits and A_attn, with and without head gates', async () => {
  const { model } = await stories260K();
  assert.notEqual(model.config.nKvHeads, model.config.nHeads, 'stories260K should exercise GQA');
  const ids = [1, 403, 407, 261, 378, 429, 286, 259, 372, 271];
  for (const gated of [false, true]) {
    const [logits, ...hidden] = await noLeaks(() => both(model, ids, gated));
    assert.ok(logits < 1e-4, `gated=${gated}: max |Δlogit| ${logits}`);
    assert.ok(Math.max(...hidden) < 1e-5, `gated=${gated}: max |ΔA_attn| per layer ${hidden}`);
  }
});

test('batched = per-head attention on an OPT fixture (biases, post-norm)', async () => {
  await initBackend();
  const model = fixtureModel({ arch: 'opt', layers: 2, dModel: 32, nHeads: 4, seed: 5, std: 0.3, maxSeq: 16, doLayerNormBefore: false });
  const [logits, ...hidden] = await noLeaks(() => both(model, [2, 9, 40, 7, 100, 3], true));
  assert.ok(logits < 1e-4 && Math.max(...hidden) < 1e-5, `max |Δ| logits ${logits}, A_attn ${hidden}`);
});

test('attentionLayout: per head by default, STRUCTPRUNE_ATTENTION_LAYOUT overrides, a bad value names the key; the CPU kernel choice STRUCTPRUNE_ATTENTION is not its business', () => {
  const saved = [process.env.STRUCTPRUNE_ATTENTION_LAYOUT, process.env.STRUCTPRUNE_ATTENTION];
  try {
    delete process.env.STRUCTPRUNE_ATTENTION_LAYOUT;
    assert.equal(attentionLayout(), 'perHead');
    process.env.STRUCTPRUNE_ATTENTION = 'native'; // attentionFused.ts's auto|native|js|tfjs: both once read this key
    assert.equal(attentionLayout(), 'perHead');
    process.env.STRUCTPRUNE_ATTENTION_LAYOUT = 'batched';
    assert.equal(attentionLayout(), 'batched');
    process.env.STRUCTPRUNE_ATTENTION_LAYOUT = 'fused';
    assert.throws(() => attentionLayout(), /STRUCTPRUNE_ATTENTION_LAYOUT="fused".*perHead\|batched/);
  } finally {
    const restore = (key: string, v: string | undefined) => (v === undefined ? delete process.env[key] : (process.env[key] = v));
    restore('STRUCTPRUNE_ATTENTION_LAYOUT', saved[0]);
    restore('STRUCTPRUNE_ATTENTION', saved[1]);
  }
});
