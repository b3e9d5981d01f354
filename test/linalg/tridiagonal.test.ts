import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, maxAbs, randomGram, randomNormal, transpose } from '../../src/linalg/matrix';
import { accumulateReflectorsTransposed, applyReflectorsToRows, tridiagonalize } from '../../src/linalg/tridiagonal';
import { tridiagonalEigen } from '../../src/linalg/tridiagonal-dc';
import { secularRoot } from '../../src/linalg/secular';
import { matmulABt } from '../../src/linalg/gemm';

function tridiagonalMatrix(d: ArrayLike<number>, e: ArrayLike<number>, n: number): Float64Array {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    T[i * n + i] = d[i];
    if (i + 1 < n) T[i * n + i + 1] = T[(i + 1) * n + i] = e[i];
  }
  return T;
}

test('tridiagonalize: A = Zᵀ T Z with Z = Hqᵀ orthogonal; applyReflectorsToRows(I) = Z', () => {
  for (const n of [1, 2, 3, 4, 9, 40, 101]) {
    const R = randomNormal(n, n, n);
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = R[i * n + j] + R[j * n + i];
    const t = tridiagonalize(A, n);
    const Z = accumulateReflectorsTransposed(t);
    const T = tridiagonalMatrix(t.d, t.e, n);
    const B = matmul(matmul(transpose(Z, n, n), T, n, n, n), Z, n, n, n);
    for (let i = 0; i < B.length; i++) B[i] -= A[i];
    assert.ok(maxAbs(B) < 1e-13 * n * Math.max(1, maxAbs(A)), `n=${n}: ‖ZᵀTZ − A‖ = ${maxAbs(B)}`);
    const ZZt = matmul(Z, transpose(Z, n, n), n, n, n);
    for (let i = 0; i < n; i++) ZZt[i * n + i] -= 1;
    assert.ok(maxAbs(ZZt) < 1e-13 * n);
    const E = new Float64Array(n * n);
    for (let i = 0; i < n; i++) E[i * n + i] = 1;
    applyReflectorsToRows(t, E, n);
    for (let i = 0; i < E.length; i++) E[i] -= Z[i];
    assert.ok(maxAbs(E) < 1e-14 * n);
    assert.equal(t.e[n - 1], 0);
  }
});

/** Residual ‖T eᵣ − λ_r eᵣ‖ (rows of E) and orthogonality ‖E Eᵀ − I‖. */
function checkTridiagonalEigen(d: Float64Array, e: Float64Array, n: number, what: string): Float64Array {
  const { values, E } = tridiagonalEigen(d, e, n);
  const T = tridiagonalMatrix(d, e, n);
  const scale = Math.max(maxAbs(T), 1e-300);
  const TEt = matmul(T, transpose(E, n, n), n, n, n); // column r = T e_r
  let res = 0;
  for (let i = 0; i < n; i++) for (let r = 0; r < n; r++) res = Math.max(res, Math.abs(TEt[i * n + r] - values[r] * E[r * n + i]));
  assert.ok(res < 1e-13 * n * scale, `${what}: residual ${res / scale}`);
  const EEt = matmul(E, transpose(E, n, n), n, n, n);
  for (let i = 0; i < n; i++) EEt[i * n + i] -= 1;
  assert.ok(maxAbs(EEt) < 1e-13 * n, `${what}: orthogonality ${maxAbs(EEt)}`);
  for (let r = 1; r < n; r++) assert.ok(values[r] >= values[r - 1], `${what}: not ascending`);
  return values;
}

test('tridiagonalEigen (divide and conquer): hard spectra', () => {
  const n = 150; // > 4 leaves: three merge levels
  const R = randomNormal(2, n, 1);
  checkTridiagonalEigen(R.slice(0, n), R.slice(n), n, 'random');
  // Toeplitz (2, 1): eigenvalues 2 + 2 cos(kπ/(n+1)).
  const v = checkTridiagonalEigen(new Float64Array(n).fill(2), new Float64Array(n).fill(1), n, 'toeplitz');
  const exact = Array.from({ length: n }, (_, k) => 2 + 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((a, b) => a - b);
  for (let k = 0; k < n; k++) assert.ok(Math.abs(v[k] - exact[k]) < 1e-13 * n);
  // Wilkinson W⁺: pairs of nearly equal eigenvalues (close-pole deflation).
  const w = 2 * 60 + 1;
  checkTridiagonalEigen(Float64Array.from({ length: w }, (_, i) => Math.abs(i - 60)), new Float64Array(w).fill(1), w, 'wilkinson');
  // Repeated diagonal with tiny couplings (small-z deflation), exact zeros (ρ = 0 splits), graded.
  const dc = Float64Array.from({ length: n }, (_, i) => i % 3);
  const ec = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : 1e-9));
  checkTridiagonalEigen(dc, ec, n, 'clusters');
  checkTridiagonalEigen(new Float64Array(n).fill(1), new Float64Array(n), n, 'identity');
  const dg = Float64Array.from({ length: 100 }, (_, i) => 10 ** (-i / 8));
  const eg = Float64Array.from({ length: 100 }, (_, i) => 10 ** (-i / 8 - 0.5));
  checkTridiagonalEigen(dg, eg, 100, 'graded');
  // A Gram matrix's tridiagonal form, rank-deficient (a cluster of zeros).
  const t = tridiagonalize(randomGram(n, 60, 2), n);
  checkTridiagonalEigen(t.d, t.e, n, 'gram');
  // Zero matrix: all zero eigenvalues, identity eigenvectors.
  const z = tridiagonalEigen(new Float64Array(30), new Float64Array(30), 30);
  assert.ok(z.values.every((x) => x === 0));
});

test('tridiagonalEigen: orthogonal to a few ulps when roots crowd the poles (Löwner recomputation)', () => {
  // Two plateaus 1 and 1 + g with weak couplings: secular roots lie within ~g of the poles, where
  // eigenvectors built from the original z lose orthogonality (≈ 2e-14 here) and recomputed ones keep it.
  const n = 100;
  let worst = 0;
  for (const g of [1e-12, 1e-14]) {
    for (const e of [1e-4, 1e-6, 1e-8]) {
      const { E } = tridiagonalEigen(Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 1 + g)), new Float64Array(n).fill(e), n);
      const EEt = matmul(E, transpose(E, n, n), n, n, n);
      for (let i = 0; i < n; i++) EEt[i * n + i] -= 1;
      worst = Math.max(worst, maxAbs(EEt));
    }
  }
  assert.ok(worst < 8e-15, `‖E Eᵀ − I‖ = ${worst}`);
});

test('secularRoot: roots interlace the poles and zero the secular function', () => {
  const K = 9;
  const d = Float64Array.from({ length: K }, (_, i) => i * i * 0.1 - 1);
  const w2 = Float64Array.from({ length: K }, (_, i) => (i === 4 ? 1e-10 : 0.05 + 0.01 * i));
  const rho = 1.7;
  const delta = new Float64Array(K);
  const work = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    const lambda = secularRoot(d, w2, K, rho, j, delta, work);
    assert.ok(lambda > d[j] && (j === K - 1 || lambda < d[j + 1]), `root ${j} outside its interval`);
    let f = 1;
    let df = 0;
    for (let i = 0; i < K; i++) {
      f += (rho * w2[i]) / delta[i];
      df += (rho * w2[i]) / delta[i] ** 2;
      assert.ok(Math.abs(delta[i] - (d[i] - lambda)) <= 1e-15 * Math.max(1, Math.abs(lambda)));
    }
    // |f| within a few ulps of λ times the slope.
    assert.ok(Math.abs(f) <= 1e-13 * (1 + Math.abs(lambda) * df), `root ${j}: f = ${f}`);
  }
});

test('matmulABt: equals the plain product for ragged shapes', () => {
  for (const [m, k, n] of [[1, 1, 1], [5, 3, 7], [9, 600, 3], [4, 2, 2], [13, 517, 10]]) {
    const A = randomNormal(m, k, m + k);
    const B = randomNormal(n, k, n * k);
    const C = matmulABt(A, B, m, k, n);
    const ref = matmul(A, transpose(B, n, k), m, k, n);
    for (let i = 0; i < C.length; i++) C[i] -= ref[i];
    assert.ok(maxAbs(C) < 1e-12 * Math.sqrt(k), `${m}×${k}×${n}`);
  }
  assert.throws(() => matmulABt(new Float64Array(6), new Float64Array(6), 2, 3, 3), /expected A 2×3/);
});
