// The memory meter: it sees known allocations exactly (both accountings), inside tidy and across awaits,
// nests, agrees with tf.profile, restores the engine, and stops on errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../src/backend';
import { measureMemory, measureMemorySync, startMemoryMeter, wasmHeapBytes } from '../../src/util/memoryMeter';

const F = 4; // bytes per float32

test('a known allocation: peak = live before + the largest live set during the call', async () => {
  await initBackend();
  const before = tf.ones([100]); // 400 bytes alive before the call
  const { memory: m } = measureMemorySync(() => {
    const a = tf.zeros([1000]); // +4000
    const b = tf.zeros([50, 10]); // +2000 → 6000 above the start
    a.dispose();
    const c = tf.zeros([300]); // 1200 + 2000 = 3200 < 6000
    b.dispose();
    c.dispose();
  });
  before.dispose();
  assert.equal(m.startBytes, tf.memory().numBytes + 400);
  assert.equal(m.peakBytes - m.startBytes, 6000);
  assert.equal(m.peakNewBufferBytes, 6000);
  assert.equal(m.endBytes, m.startBytes);
  assert.ok(m.maxRssBytes > 10 * 2 ** 20, `maxRSS ${m.maxRssBytes}`);
  if (m.backend === 'wasm') assert.ok(m.wasmHeapBytes! >= 16 * 2 ** 20);
  else assert.equal(m.wasmHeapBytes, null);
});

test('intermediates inside tf.tidy count; a reshape view counts in numBytes but not as a buffer', async () => {
  await initBackend();
  const { result, memory: m } = measureMemorySync(() =>
    tf.tidy(() => {
      const x = tf.ones([64, 64]); // 16384 bytes
      const v = tf.reshape(x, [4096]); // same buffer, counted again by tfjs
      const y = tf.mul(x, 2); // +16384
      return tf.sum(tf.add(y, tf.reshape(v, [64, 64]))); // +16384 (add) ; reshape view again
    }),
  );
  const s = result.dataSync()[0];
  result.dispose();
  assert.equal(s, 3 * 4096);
  // live at the peak: x, v (view), y, the second view, the add, (sum's 4-byte scalar comes after) — buffers: x, y, add
  assert.equal(m.peakNewBufferBytes, 3 * 4096 * F + F);
  assert.equal(m.peakBytes - m.startBytes, 5 * 4096 * F + F);
});

test('async: the meter follows the call across awaits and stops when it throws', async () => {
  await initBackend();
  const { result, memory: m } = await measureMemory(async () => {
    const a = tf.zeros([2500]);
    await new Promise((r) => setTimeout(r, 5));
    const b = tf.zeros([2500]);
    await new Promise((r) => setTimeout(r, 5));
    tf.dispose([a, b]);
    return 7;
  });
  assert.equal(result, 7);
  assert.equal(m.peakNewBufferBytes, 2 * 2500 * F);
  const eng = tf.engine() as unknown as Record<string, unknown>;
  await assert.rejects(
    measureMemory(() => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.ok(!Object.prototype.hasOwnProperty.call(eng, 'trackTensor'), 'the engine method is restored after a throw');
});

test('nested meters: each sees its own window; the engine is restored after the last stops', async () => {
  await initBackend();
  const eng = tf.engine() as unknown as Record<string, unknown>;
  const outer = startMemoryMeter();
  const a = tf.zeros([1000]);
  const inner = startMemoryMeter();
  const b = tf.zeros([200]);
  b.dispose();
  const mi = inner.stop();
  a.dispose();
  const c = tf.zeros([500]);
  c.dispose();
  const mo = outer.stop();
  assert.equal(mi.peakNewBufferBytes, 200 * F);
  assert.equal(mi.peakBytes - mi.startBytes, 200 * F);
  assert.equal(mo.peakNewBufferBytes, 1200 * F);
  assert.equal(mo.peakBytes - mo.startBytes, 1200 * F);
  assert.deepEqual(outer.read(), mo, 'a stopped meter keeps its numbers');
  assert.ok(!Object.prototype.hasOwnProperty.call(eng, 'trackTensor') && !Object.prototype.hasOwnProperty.call(eng, 'removeDataId'));
});

test('agrees with tf.profile(fn).peakBytes where both apply (kernels only)', async () => {
  await initBackend();
  const x = tf.randomNormal([32, 48], 0, 1, 'float32', 1);
  const w = tf.randomNormal([48, 16], 0, 1, 'float32', 2);
  const f = () => tf.tidy(() => tf.sum(tf.relu(tf.matMul(tf.add(x, 1), w))));
  const prof = await tf.profile(() => {
    f().dispose();
  });
  const { memory } = measureMemorySync(() => f().dispose());
  tf.dispose([x, w]);
  assert.equal(memory.peakBytes, prof.peakBytes);
  assert.ok(memory.peakBytes > memory.startBytes);
});

test('wasmHeapBytes reports the heap on wasm', async () => {
  const info = await initBackend();
  const h = wasmHeapBytes();
  if (info.name === 'wasm') assert.ok(h !== null && h % 65536 === 0 && h > 0);
  else assert.equal(h, null);
});
