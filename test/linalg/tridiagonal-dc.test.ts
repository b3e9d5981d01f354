import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, maxAbs, randomGram, randomNormal, transpose } from '../../src/linalg/matrix';
import { tridiagonalize } from '../../src/linalg/tridiagonal';
import { tridiagonalEigen } from '../../src/linalg/tridiagonal-dc';
import { tridiagonalMatrix } from './tridiagonalMatrix';

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
  checkTridiagonalEigen(
    Float64Array.from({ length: w }, (_, i) => Math.abs(i - 60)),
    new Float64Array(w).fill(1),
    w,
    'wilkinson',
  );
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
      const { E } = tridiagonalEigen(
        Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : 1 + g)),
        new Float64Array(n).fill(e),
        n,
      );
      const EEt = matmul(E, transpose(E, n, n), n, n, n);
      for (let i = 0; i < n; i++) EEt[i * n + i] -= 1;
      worst = Math.max(worst, maxAbs(EEt));
    }
  }
  assert.ok(worst < 8e-15, `‖E Eᵀ − I‖ = ${worst}`);
});
