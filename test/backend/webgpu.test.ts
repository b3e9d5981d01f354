// The webgpu backend (Dawn over Vulkan; in CI Mesa's lavapipe from scripts/setup-webgpu.sh) against wasm:
// kernels, the real forward on stories260K and an OPT fixture, sync reads refused clearly, GPU memory meter.
// Every comparison also checks that webgpu really ran (no silent fallback) and returned no zeros.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend, backendInfo } from '../../src/backend';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { fixtureModel } from '../../src/model/fixture';
import { readSync } from '../../src/util/read';
import { measureMemory } from '../../src/util/memoryMeter';
import type { Model } from '../../src/model/model';
import { stories260K } from '../helpers';
import { requireWebgpu, onBoth, readAsync, assertMeaningful, maxAbsDiff } from './webgpuHarness';

/** Seeded [r, c] matrix as host data (uploaded separately on each backend). */
function hostMatrix(r: number, c: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal([r, c], 0, 1, 'float32', seed).dataSync() as Float32Array);
}

async function logits(model: Model, ids: number[]): Promise<Float32Array> {
  const before = tf.memory().numTensors;
  const dm = toDevice(model);
  try {
    return await readAsync(() => forward(model.config, dm.weights, ids).logits);
  } finally {
    dm.dispose();
    assert.equal(tf.memory().numTensors, before, `leaked tensors on ${tf.getBackend()}`);
  }
}

test("webgpu starts, names its adapter and runs with the adapter's limits", async (t) => {
  if (!(await requireWebgpu(t))) return;
  const info = await initBackend('webgpu');
  try {
    assert.equal(info.name, 'webgpu');
    assert.equal(backendInfo().name, 'webgpu');
    const w = info.webgpu!;
    assert.ok(w.adapter.description.length > 0 && w.adapter.vendor.length > 0, JSON.stringify(w.adapter));
    // more than WebGPU's default of 8: what a block's 8-head AddN needs
    assert.ok(w.limits.maxStorageBuffersPerShaderStage > 8, `limits ${JSON.stringify(w.limits)}`);
  } finally {
    await initBackend('wasm');
  }
});

test('matMul 256×192×128 and softmax agree with wasm', async (t) => {
  if (!(await requireWebgpu(t))) return;
  const a = hostMatrix(256, 192, 1);
  const b = hostMatrix(192, 128, 2);
  const r = await onBoth(() =>
    readAsync(() => {
      const ab = tf.matMul(tf.tensor2d(a, [256, 192]), tf.tensor2d(b, [192, 128]));
      return tf.concat([tf.reshape(ab, [-1]), tf.reshape(tf.softmax(ab), [-1])]);
    }),
  );
  assertMeaningful(r.webgpu.subarray(0, 256 * 128), 'webgpu matMul');
  assert.ok(maxAbsDiff(r.webgpu, r.wasm) < 1e-4, `max |Δ| ${maxAbsDiff(r.webgpu, r.wasm)}`);
});

test('AddN of 8 inputs (9 storage buffers, above the default device limit) agrees with wasm', async (t) => {
  if (!(await requireWebgpu(t))) return;
  const xs = Array.from({ length: 8 }, (_, i) => hostMatrix(16, 64, 10 + i));
  const r = await onBoth(() => readAsync(() => tf.addN(xs.map((x) => tf.tensor2d(x, [16, 64])))));
  assertMeaningful(r.webgpu, 'webgpu addN');
  assert.ok(maxAbsDiff(r.webgpu, r.wasm) < 1e-5, `max |Δ| ${maxAbsDiff(r.webgpu, r.wasm)}`);
});

test('stories260K logits on webgpu match wasm ≤ 1e-4, no leaks', async (t) => {
  if (!(await requireWebgpu(t))) return;
  const { model } = await stories260K();
  const ids = [1, 403, 407, 261, 378, 429, 286, 259, 372, 271, 1, 45, 91, 300, 12, 7];
  const r = await onBoth(() => logits(model, ids));
  assertMeaningful(r.webgpu, 'webgpu logits');
  const d = maxAbsDiff(r.webgpu, r.wasm);
  assert.ok(d <= 1e-4, `max |Δlogit| ${d}`);
});

test('OPT fixture (8 heads, learned positions, LayerNorm, biases) logits on webgpu match wasm ≤ 1e-4', async (t) => {
  if (!(await requireWebgpu(t))) return;
  const model = fixtureModel({ arch: 'opt', layers: 2, dModel: 64, nHeads: 8, seed: 3, std: 0.3, maxSeq: 32 });
  const ids = [2, 100, 200, 7, 250, 42, 3, 17, 99, 5, 61, 8];
  const r = await onBoth(() => logits(model, ids));
  assertMeaningful(r.webgpu, 'webgpu OPT logits');
  const d = maxAbsDiff(r.webgpu, r.wasm);
  assert.ok(d <= 1e-4, `max |Δlogit| ${d}`);
});

test("readSync on webgpu throws an error naming the fix (not tfjs's OffscreenCanvas crash)", async (t) => {
  if (!(await requireWebgpu(t))) return;
  await initBackend('webgpu');
  try {
    const before = tf.memory().numTensors;
    assert.throws(() => readSync(() => tf.ones([3])), /cannot read tensors synchronously.*await t\.data\(\)/);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    await initBackend('wasm');
  }
});

test('memory meter on webgpu: GPU peak from the buffer manager covers a known allocation', async (t) => {
  if (!(await requireWebgpu(t))) return;
  await initBackend('webgpu');
  try {
    const before = tf.memory().numTensors;
    const { result, memory: m } = await measureMemory(async () => {
      const a = tf.ones([256, 256]); // 256 KiB
      const b = tf.mul(a, 2); // +256 KiB, both alive
      const sum = tf.sum(b);
      const s = await sum.data();
      tf.dispose([a, b, sum]);
      return s[0];
    });
    assert.equal(result, 2 * 256 * 256);
    assert.equal(m.backend, 'webgpu');
    assert.ok(m.gpu, 'no GPU numbers on webgpu');
    assert.ok(m.gpu.peakBytes - m.gpu.startBytes >= 2 * 256 * 256 * 4, `GPU peak ${JSON.stringify(m.gpu)}`);
    assert.ok(m.gpu.peakAllocatedBytes >= m.gpu.peakBytes);
    assert.equal(m.wasmHeapBytes, null);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    await initBackend('wasm');
  }
  const { memory: w } = await measureMemory(() => tf.tidy(() => tf.sum(tf.ones([4]))).dispose());
  assert.equal(w.gpu, null, 'wasm has no GPU numbers');
});

/** initBackend('webgpu') in a fresh process with `env`; returns its error message ('' when it started). */
function startInChild(env: Record<string, string>): { message: string; backend: string } {
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const code = `const b = require(${JSON.stringify(require.resolve('../../src/backend'))});
    b.initBackend('webgpu').then(() => console.log(JSON.stringify({ message: '', backend: b.tf.getBackend() })),
      (e) => console.log(JSON.stringify({ message: e.message, backend: String(b.tf.getBackend()) })));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `child printed no result: ${r.stderr.slice(-500)}`);
  return JSON.parse(line);
}

test('webgpu without Dawn or without an adapter: a clear error naming the fix, and no backend switch', () => {
  const noDawn = startInChild({ STRUCTPRUNE_DAWN_NODE: '/nonexistent/dawn.node' });
  assert.match(noDawn.message, /STRUCTPRUNE_DAWN_NODE=\/nonexistent\/dawn\.node: no such file/);
  const noAdapter = startInChild({ VK_ICD_FILENAMES: '/nonexistent/icd.json' });
  assert.match(noAdapter.message, /no GPU adapter.*setup-webgpu\.sh.*VK_ICD_FILENAMES/);
  assert.notEqual(noAdapter.backend, 'webgpu');
});
