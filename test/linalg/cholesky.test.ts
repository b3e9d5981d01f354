import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky, choleskyDamped, CholeskyError } from '../../src/linalg/cholesky';
import { maxAbs, randomGram, randomNormal, transpose, matmul } from '../../src/linalg/matrix';

/** ‖L Lᵀ − A‖_max / ‖A‖_max. */
function relativeResidual(L: Float64Array, A: Float64Array, n: number): number {
  const LLt = matmul(L, transpose(L, n, n), n, n, n);
  for (let i = 0; i < LLt.length; i++) LLt[i] -= A[i];
  return maxAbs(LLt) / maxAbs(A);
}

test('cholesky: A = L Lᵀ to 1e-10 relative, L lower triangular with positive diagonal', () => {
  for (const n of [1, 2, 3, 7, 48, 49, 97, 150]) {
    const A = randomGram(n, n + 8, 11 + n, 0.1);
    // blockSize smaller than n exercises the blocked update and its remainders.
    for (const opts of [{}, { blockSize: 5 }, { blockSize: 1 }]) {
      const L = cholesky(A, n, opts);
      assert.ok(relativeResidual(L, A, n) < 1e-10, `n=${n} ${JSON.stringify(opts)}`);
      for (let i = 0; i < n; i++) {
        assert.ok(L[i * n + i] > 0);
        for (let j = i + 1; j < n; j++) assert.equal(L[i * n + j], 0);
      }
    }
  }
});

test('cholesky: reads only the lower triangle and does not modify A', () => {
  const n = 20;
  const A = randomGram(n, 30, 3, 0.5);
  const copy = A.slice();
  const junk = A.slice();
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) junk[i * n + j] = 1e6;
  assert.deepEqual(cholesky(junk, n), cholesky(A, n));
  assert.deepEqual(A, copy);
});

test('cholesky: known 2×2 factor', () => {
  const L = cholesky(Float64Array.from([4, 2, 2, 5]), 2);
  assert.deepEqual(Array.from(L), [2, 0, 1, 2]);
});

test('cholesky: typed error names n and the failing pivot', () => {
  // Rank 1: the second pivot is exactly 0.
  const A = Float64Array.from([1, 1, 1, 1]);
  assert.throws(
    () => cholesky(A, 2),
    (e: unknown) => e instanceof CholeskyError && e.n === 2 && e.pivot === 1 && /2×2.*pivot 1/.test(e.message),
  );
  assert.throws(() => cholesky(Float64Array.from([1, NaN, NaN, 1]), 2), CholeskyError);
  assert.throws(() => cholesky(new Float64Array(5), 2), /expected 2×2 = 4 elements/);
});

test('choleskyDamped: first try succeeds on SPD, δ = damp · mean(diag A)', () => {
  const n = 30;
  const A = randomGram(n, 40, 5);
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += A[i * n + i] / n;
  const r = choleskyDamped(A, n);
  assert.equal(r.tries, 1);
  assert.equal(r.damp, 0.01);
  assert.ok(Math.abs(r.delta - 0.01 * meanDiag) < 1e-15 * meanDiag);
  const Ad = A.slice();
  for (let i = 0; i < n; i++) Ad[i * n + i] += r.delta;
  assert.ok(relativeResidual(r.L, Ad, n) < 1e-10);
});

test('choleskyDamped: retries with damp ×10 on a singular PSD matrix', () => {
  // Strongly singular PSD: G = x xᵀ + tiny ridge so damp 1e-9 fails, later retries succeed.
  const n = 12;
  const X = randomNormal(n, 2, 9); // rank 2
  const G = matmul(X, transpose(X, n, 2), n, 2, n);
  // With damp = 0 the rank-2 matrix fails at pivot 2 (or a rounding-level pivot); retries rescue it.
  assert.throws(() => cholesky(G, n), CholeskyError);
  const r = choleskyDamped(G, n, { damp: 0, maxTries: 6 });
  assert.ok(r.tries >= 2, `tries ${r.tries}`);
  assert.equal(r.damp, 1e-6 * 10 ** (r.tries - 2));
  const Gd = G.slice();
  for (let i = 0; i < n; i++) Gd[i * n + i] += r.delta;
  assert.ok(relativeResidual(r.L, Gd, n) < 1e-10);
  // An indefinite matrix with positive mean diagonal needs several ×10 steps.
  const B = Float64Array.from([1, 0, 0, -0.5]); // mean diag 0.25: needs δ > 0.5 → damp > 2
  const rb = choleskyDamped(B, 2, { damp: 0.01 });
  assert.equal(rb.tries, 4);
  assert.equal(rb.damp, 0.01 * 1000);
});

test('choleskyDamped: negative definite gives a typed error at once; gives up after maxTries', () => {
  const N = Float64Array.from([-2, 0.5, 0.5, -1]);
  assert.throws(
    () => choleskyDamped(N, 2),
    (e: unknown) => e instanceof CholeskyError && e.n === 2 && e.pivot === 0 && /mean\(diag A\)/.test(e.message),
  );
  const B = Float64Array.from([1, 0, 0, -0.5]);
  assert.throws(
    () => choleskyDamped(B, 2, { damp: 0.01, maxTries: 2 }),
    (e: unknown) => e instanceof CholeskyError && e.pivot === 1 && e.dampsTried.join() === '0.01,0.1',
  );
  assert.throws(() => choleskyDamped(B, 2, { damp: -1 }), /damp must be/);
});
