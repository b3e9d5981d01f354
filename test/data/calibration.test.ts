import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors';
import { sampleCalibration } from '../../src/data/calibration';

const iota = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);

test('same seed gives the same windows; another seed gives other windows', () => {
  const ids = iota(10_000);
  const a = sampleCalibration(ids, { nSamples: 16, seqlen: 128, seed: 7 });
  const b = sampleCalibration(ids, { nSamples: 16, seqlen: 128, seed: 7 });
  const c = sampleCalibration(ids, { nSamples: 16, seqlen: 128, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('windows are contiguous slices of exactly seqlen tokens, starting in [0, len - seqlen]', () => {
  const len = 1000;
  const seqlen = 64;
  const ids = Array.from({ length: len }, (_, i) => 3 * i + 1); // any stream; start = (w[0] - 1) / 3
  const ws = sampleCalibration(ids, { nSamples: 200, seqlen, seed: 1 });
  assert.equal(ws.length, 200);
  for (const w of ws) {
    assert.ok(Array.isArray(w));
    assert.equal(w.length, seqlen);
    const start = (w[0] - 1) / 3;
    assert.ok(Number.isInteger(start) && start >= 0 && start <= len - seqlen, `start ${start}`);
    w.forEach((v, t) => assert.equal(v, ids[start + t]));
  }
});

test('starts are uniform over [0, len - seqlen], both ends included', () => {
  const ws = sampleCalibration(iota(13), { nSamples: 4000, seqlen: 10, seed: 3 }); // starts 0..3
  const counts = [0, 0, 0, 0];
  for (const w of ws) counts[w[0]]++;
  for (const c of counts) assert.ok(Math.abs(c - 1000) < 150, `counts ${counts}`);
  assert.deepEqual(sampleCalibration(iota(5), { nSamples: 3, seqlen: 5, seed: 0 }), [
    [0, 1, 2, 3, 4],
    [0, 1, 2, 3, 4],
    [0, 1, 2, 3, 4],
  ]);
});

test('a stream shorter than seqlen and bad options give clear UsageErrors', () => {
  assert.throws(
    () => sampleCalibration(iota(100), { nSamples: 1, seqlen: 101, seed: 0 }),
    (e: unknown) => e instanceof UsageError && /100 tokens, fewer than seqlen=101/.test(e.message),
  );
  assert.throws(() => sampleCalibration(iota(100), { nSamples: 1.5, seqlen: 10, seed: 0 }), UsageError);
  assert.throws(() => sampleCalibration(iota(100), { nSamples: 1, seqlen: 0, seed: 0 }), UsageError);
  assert.throws(() => sampleCalibration(iota(100), { nSamples: 1, seqlen: 10, seed: 0.5 }), UsageError);
  assert.deepEqual(sampleCalibration(iota(100), { nSamples: 0, seqlen: 10, seed: 0 }), []);
});
