import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky } from '../../src/linalg/cholesky';
import { matmul, maxAbs, randomGram, randomNormal, transpose } from '../../src/linalg/matrix';
import { solveCholesky, solveLower, solveLowerTranspose, solveSpd, solveSpdRight } from '../../src/linalg/triangular';

/** A well-conditioned lower-triangular n×n matrix (unit-ish diagonal, small off-diagonal). */
function lowerTriangular(n: number, seed: number): Float64Array {
  const R = randomNormal(n, n, seed);
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) L[i * n + j] = R[i * n + j] / Math.sqrt(n);
    L[i * n + i] = 1 + Math.abs(R[i * n + i]);
    for (let j = i + 1; j < n; j++) L[i * n + j] = 1e6; // must never be read
  }
  return L;
}

function lowerOnly(L: Float64Array, n: number): Float64Array {
  const T = L.slice();
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) T[i * n + j] = 0;
  return T;
}

function relDiff(X: Float64Array, Y: Float64Array): number {
  const D = X.slice();
  for (let i = 0; i < D.length; i++) D[i] -= Y[i];
  return maxAbs(D) / Math.max(maxAbs(Y), 1e-300);
}

// m = 1…3 take the column path, m ≥ 4 the strip path (with a strip remainder at 70 and 129).
const SHAPES: [number, number][] = [
  [1, 1],
  [5, 1],
  [37, 2],
  [37, 3],
  [64, 4],
  [83, 70],
  [40, 129],
];

test('solveLower: residual L X − B tiny for one and many right-hand sides', () => {
  for (const [n, m] of SHAPES) {
    const L = lowerTriangular(n, n * 7 + m);
    const B = randomNormal(n, m, n + m);
    const X = solveLower(L, B, n, m);
    assert.ok(relDiff(matmul(lowerOnly(L, n), X, n, n, m), B) < 1e-12, `n=${n} m=${m}`);
  }
});

test('solveLowerTranspose: residual Lᵀ X − B tiny', () => {
  for (const [n, m] of SHAPES) {
    const L = lowerTriangular(n, n * 3 + m);
    const B = randomNormal(n, m, 2 * n + m);
    const X = solveLowerTranspose(L, B, n, m);
    const Lt = transpose(lowerOnly(L, n), n, n);
    assert.ok(relDiff(matmul(Lt, X, n, n, m), B) < 1e-12, `n=${n} m=${m}`);
  }
});

test('solveCholesky and solveSpd: A X = B; inputs untouched', () => {
  for (const [n, m] of [
    [30, 1],
    [50, 9],
  ] as const) {
    const A = randomGram(n, 2 * n, 17 + n, 0.05);
    const B = randomNormal(n, m, 4);
    const Acopy = A.slice();
    const Bcopy = B.slice();
    const X1 = solveCholesky(cholesky(A, n), B, n, m);
    assert.ok(relDiff(matmul(A, X1, n, n, m), B) < 1e-10);
    const { X, delta, tries } = solveSpd(A, B, n, m, { damp: 0 });
    assert.equal(delta, 0);
    assert.equal(tries, 1);
    assert.ok(relDiff(matmul(A, X, n, n, m), B) < 1e-10);
    assert.deepEqual(A, Acopy);
    assert.deepEqual(B, Bcopy);
  }
});

test('solveSpd: default damping solves (A + δI) X = B with δ = 0.01 mean(diag A)', () => {
  const n = 40;
  const m = 5;
  const A = randomGram(n, 10, 8); // rank 10: singular, needs the damping
  const B = randomNormal(n, m, 1);
  const { X, delta, damp } = solveSpd(A, B, n, m);
  assert.equal(damp, 0.01);
  const Ad = A.slice();
  for (let i = 0; i < n; i++) Ad[i * n + i] += delta;
  assert.ok(relDiff(matmul(Ad, X, n, n, m), B) < 1e-9);
});

test('solveSpdRight: X (A + δI) = B for B r×n (the compensation P⁰ H[:,S] (H[S,S] + δI)⁻¹)', () => {
  const n = 45;
  const r = 7;
  const A = randomGram(n, 60, 21);
  const B = randomNormal(r, n, 22);
  const { X, delta } = solveSpdRight(B, A, r, n);
  const Ad = A.slice();
  for (let i = 0; i < n; i++) Ad[i * n + i] += delta;
  assert.ok(delta > 0);
  assert.ok(relDiff(matmul(X, Ad, r, n, n), B) < 1e-10);
  assert.throws(() => solveSpdRight(B, A, n, r), /solveSpdRight: A: expected 7×7/);
});
