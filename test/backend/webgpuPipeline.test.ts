// The library's async pipeline on webgpu against wasm: perplexity (2 windows) and one StructPrune prune
// (s = 0.3, few ADMM iterations) with identical masks; no leaked tensors, GPU memory measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend';
import { perplexity } from '../../src/eval/perplexity';
import { corpusIds } from '../../src/data/corpusIds';
import { calibrationWindows } from '../../src/data/calibrationWindows';
import { prune } from '../../src/prune/prune';
import { stories260K } from '../helpers';
import { requireWebgpu, onBoth } from './webgpuHarness';

async function counted<T>(fn: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const r = await fn();
  assert.equal(tf.memory().numTensors, before, `leaked tensors on ${tf.getBackend()}`);
  return r;
}

test('perplexity of stories260K on 2 TinyStories-val windows: webgpu = wasm within 1e-5 relative', async (t) => {
  if (!(await requireWebgpu(t))) return;
  const loaded = await stories260K();
  const ids = await corpusIds(loaded.codec, 'tinystories-val');
  const r = await onBoth(() => counted(() => perplexity(loaded.model, ids, { maxWindows: 2, seqlen: 256 })));
  assert.equal(r.webgpu.windows, 2);
  assert.ok(Number.isFinite(r.webgpu.ppl) && r.webgpu.ppl > 1, `webgpu ppl ${r.webgpu.ppl}`);
  const rel = Math.abs(r.webgpu.ppl - r.wasm.ppl) / r.wasm.ppl;
  assert.ok(rel <= 1e-5, `ppl webgpu ${r.webgpu.ppl} vs wasm ${r.wasm.ppl}: relative ${rel}`);
});

test('StructPrune s = 0.3 (3 ADMM iterations) on webgpu gives the masks wasm gives; GPU peak measured', async (t) => {
  if (!(await requireWebgpu(t))) return;
  const loaded = await stories260K();
  const { windows } = await calibrationWindows(loaded, { samples: 4, seqlen: 64, seed: 0 });
  const r = await onBoth(() => counted(() => prune(loaded.model, { method: 'structprune', sparsity: 0.3, windows, admm: { iterations: 3 } })));
  const keys = Object.keys(r.wasm.mask).sort();
  assert.deepEqual(Object.keys(r.webgpu.mask).sort(), keys);
  let removed = 0;
  for (const k of keys) {
    assert.deepEqual(Array.from(r.webgpu.mask[k]), Array.from(r.wasm.mask[k]), `mask ${k} differs`);
    removed += r.wasm.mask[k].reduce((a, b) => a + b, 0);
  }
  assert.ok(removed > 0, 'nothing was pruned');
  assert.equal(r.webgpu.report.memory.backend, 'webgpu');
  assert.ok((r.webgpu.report.memory.gpu?.peakBytes ?? 0) > 0, `GPU peak ${JSON.stringify(r.webgpu.report.memory.gpu)}`);
  assert.equal(r.wasm.report.memory.gpu, null);
});
