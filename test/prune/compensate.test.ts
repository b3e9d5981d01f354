// Closed-form compensation: the P_S of METHOD.md §3 zeroes the gradient of f_m on the kept columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compensate } from '../../src/prune/compensate';
import { createRng } from '../../src/util/rng';

function data(T: number, n: number, d: number, seed: number) {
  const rng = createRng(seed);
  const A = Float64Array.from({ length: T * n }, () => rng.normal() + 0.5); // activations with a mean
  const W0 = Float32Array.from({ length: n * d }, () => rng.normal());
  const H = new Float64Array(n * n);
  const sum = new Float64Array(n);
  for (let t = 0; t < T; t++)
    for (let i = 0; i < n; i++) {
      sum[i] += A[t * n + i];
      for (let j = 0; j < n; j++) H[i * n + j] += A[t * n + i] * A[t * n + j];
    }
  return { A, W0, H, sum };
}

test('P_S zeroes the gradient of f on the kept columns (damp 0)', () => {
  const n = 12,
    d = 5;
  const { W0, H } = data(40, n, d, 1);
  const kept = [0, 2, 3, 7, 8, 11];
  const { W } = compensate({ W0, H, n, d, kept }, { damp: 0 });
  // ∂f/∂W_S = 2 H[S, :] (W − W⁰) with W zero outside S
  let gmax = 0,
    scale = 0;
  for (const i of kept)
    for (let c = 0; c < d; c++) {
      let g = 0,
        s = 0;
      for (let j = 0; j < n; j++) {
        g += H[i * n + j] * (W[j * d + c] - W0[j * d + c]);
        s += Math.abs(H[i * n + j] * W0[j * d + c]);
      }
      gmax = Math.max(gmax, Math.abs(g));
      scale = Math.max(scale, s);
    }
  assert.ok(gmax < 1e-5 * scale, `gradient ${gmax} vs scale ${scale}`);
  for (let j = 0; j < n; j++) if (!kept.includes(j)) for (let c = 0; c < d; c++) assert.equal(W[j * d + c], 0);
});

test('with damping, P_S solves the damped normal equations', () => {
  const n = 10,
    d = 3;
  const { W0, H } = data(30, n, d, 2);
  const kept = [1, 2, 5, 6, 9];
  const { W, delta } = compensate({ W0, H, n, d, kept }, { damp: 0.01 });
  let tr = 0;
  for (let i = 0; i < n; i++) tr += H[i * n + i];
  assert.ok(Math.abs(delta - (0.01 * tr) / n) < 1e-12 * tr);
  for (const i of kept)
    for (let c = 0; c < d; c++) {
      let g = delta * W[i * d + c];
      for (let j = 0; j < n; j++) g += H[i * n + j] * (W[j * d + c] - W0[j * d + c]);
      assert.ok(Math.abs(g) < 1e-4 * tr, `damped gradient ${g}`);
    }
});

test('with an intercept, the residual is orthogonal to the kept activations and to 1', () => {
  const T = 50,
    n = 8,
    d = 4;
  const { A, W0, H, sum } = data(T, n, d, 3);
  const kept = [0, 1, 4, 6];
  const { W, biasDelta } = compensate({ W0, H, n, d, kept }, { damp: 0, centre: { sum, tokens: T } });
  // R_t = A_t W⁰ − A_{t,S} W_S − b'
  for (let c = 0; c < d; c++) {
    const R = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let r = -biasDelta![c];
      for (let j = 0; j < n; j++) r += A[t * n + j] * (W0[j * d + c] - W[j * d + c]);
      R[t] = r;
    }
    const ones = R.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(ones) < 1e-6 * T, `Σ residual ${ones}`);
    for (const i of kept) {
      let dot = 0;
      for (let t = 0; t < T; t++) dot += A[t * n + i] * R[t];
      assert.ok(Math.abs(dot) < 1e-6 * T, `A_${i}ᵀ R = ${dot}`);
    }
  }
});

test('keeping nothing returns zeros; keeping everything returns W⁰ (damp 0)', () => {
  const n = 6,
    d = 2;
  const { W0, H } = data(20, n, d, 4);
  assert.ok(compensate({ W0, H, n, d, kept: [] }).W.every((v) => v === 0));
  const all = compensate({ W0, H, n, d, kept: [0, 1, 2, 3, 4, 5] }, { damp: 0 }).W;
  for (let i = 0; i < W0.length; i++) assert.ok(Math.abs(all[i] - W0[i]) < 1e-4);
});

test('OpenBLAS (dgemm for Hc[S, :] W⁰) and TypeScript paths give the same compensation', async () => {
  const { setBlas, blasInfo } = await import('../../src/linalg/blas');
  const initial = blasInfo().mode;
  const [n, d, T] = [40, 9, 70];
  const { W0, H, sum } = data(T, n, d, 21);
  const kept = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1);
  const run = () => compensate({ W0, H, n, d, kept }, { centre: { sum, tokens: T } });
  try {
    setBlas('ts');
    const ts = run();
    setBlas('auto');
    const auto = run();
    let dw = 0;
    for (let i = 0; i < ts.W.length; i++) dw = Math.max(dw, Math.abs(ts.W[i] - auto.W[i]));
    assert.ok(dw < 1e-5, `W differs by ${dw}`);
    for (let c = 0; c < d; c++) assert.ok(Math.abs(ts.biasDelta![c] - auto.biasDelta![c]) < 1e-5);
  } finally {
    setBlas(initial);
  }
});
