// Tests of src/util/rng.ts (kept beside the data tests that own it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { createRng } from '../../src/util/rng';

test('same seed, same sequence; clone forks an independent copy', () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = [a.int(0, 1000), a.float(), a.normal(), a.normal(), a.normal()];
  assert.deepEqual([b.int(0, 1000), b.float(), b.normal(), b.normal(), b.normal()], xs);
  const c = a.clone();
  assert.deepEqual([a.float(), a.normal(), a.int(-5, 5)], [c.float(), c.normal(), c.int(-5, 5)]);
  assert.notEqual(createRng(43).float(), createRng(42).float());
  assert.equal(a.state().seed, 42);
  assert.equal(a.state().generator.length, 4);
});

test('int draws match pure-rand xoroshiro128plus for 32-bit seeds; large seeds are not truncated', () => {
  const r = createRng(12345);
  const g = xoroshiro128plus(12345);
  for (let i = 0; i < 20; i++) assert.equal(r.int(0, 99), unsafeUniformIntDistribution(0, 99, g));
  assert.notEqual(createRng(2 ** 32).float(), createRng(0).float());
  assert.throws(() => createRng(1.5), RangeError);
  assert.throws(() => createRng(0).int(3, 2), RangeError);
});

test('int is inclusive and uniform; float lies in [0, 1)', () => {
  const r = createRng(1);
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 6000; i++) counts[r.int(-2, 3) + 2]++;
  for (const c of counts) assert.ok(Math.abs(c - 1000) < 150, `counts ${counts}`);
  let lo = 1;
  let hi = 0;
  for (let i = 0; i < 10000; i++) {
    const x = r.float();
    assert.ok(x >= 0 && x < 1);
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  assert.ok(lo < 0.001 && hi > 0.999);
});

test('normal / fillNormal have the requested mean and standard deviation', () => {
  const out = createRng(9).fillNormal(new Float32Array(40000), 2);
  let s = 0;
  let s2 = 0;
  for (const v of out) {
    s += v;
    s2 += v * v;
  }
  const mean = s / out.length;
  const std = Math.sqrt(s2 / out.length - mean * mean);
  assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(std - 2) < 0.05, `std ${std}`);
  assert.ok(out.every(Number.isFinite));
  let lag = 0;
  for (let i = 1; i < out.length; i++) lag += (out[i] - mean) * (out[i - 1] - mean);
  const rho = lag / (out.length - 1) / (std * std);
  assert.ok(Math.abs(rho) < 0.03, `lag-1 correlation ${rho}: the two Box–Muller values must be independent`);
});
