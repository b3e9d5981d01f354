import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blasInfo, lapack, setBlas, BlasMode } from '../../src/linalg/blas';
import { cholesky, choleskyDamped, CholeskyError } from '../../src/linalg/cholesky';
import { eigh } from '../../src/linalg/eigh';
import { matmul, maxAbs, randomGram, randomNormal, transpose } from '../../src/linalg/matrix';
import { solveCholesky, solveLower, solveLowerTranspose, solveSpd, solveSpdRight } from '../../src/linalg/triangular';

// Both host linear-algebra paths (OpenBLAS through koffi, TypeScript) against each other and against
// independent references (residuals with the plain matmul of matrix.ts). `.ci/run` installs OpenBLAS
// (scripts/setup-blas.sh); where it is missing, the 'openblas' mode must fail with the fix in its message.

const initial: BlasMode = blasInfo().mode;
const hasOpenBlas = (() => {
  try {
    setBlas('openblas');
    return true;
  } catch (e) {
    assert.match(String(e), /setup-blas\.sh|STRUCTPRUNE_BLAS_LIB/);
    return false;
  } finally {
    setBlas(initial);
  }
})();

function both<T>(f: () => T): { ob: T; ts: T } | null {
  if (!hasOpenBlas) return null;
  try {
    setBlas('openblas');
    const ob = f();
    setBlas('ts');
    const ts = f();
    return { ob, ts };
  } finally {
    setBlas(initial);
  }
}

function relDiff(X: ArrayLike<number>, Y: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < Y.length; i++) {
    d = Math.max(d, Math.abs(X[i] - Y[i]));
    s = Math.max(s, Math.abs(Y[i]));
  }
  return d / Math.max(s, 1e-300);
}

/** Lower-triangular part of A with garbage above the diagonal (must never be read). */
function lowerWithGarbage(A: Float64Array, n: number): Float64Array {
  const L = A.slice();
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) L[i * n + j] = 1e6;
  return L;
}

test('blas: mode selection, report and errors', () => {
  try {
    assert.equal(setBlas('ts').active, 'ts');
    assert.equal(lapack(), null);
    assert.equal(blasInfo().library, null);
    assert.throws(() => setBlas('mkl' as BlasMode), /setBlas="mkl" is not one of auto\|openblas\|ts/);
    const auto = setBlas('auto');
    assert.equal(auto.active, hasOpenBlas ? 'openblas' : 'ts');
    if (hasOpenBlas) {
      assert.ok(auto.library && auto.corename && auto.threads && auto.threads >= 1, JSON.stringify(auto));
      assert.notEqual(lapack(), null);
      const before = auto.threads!;
      assert.equal(setBlas('openblas', { threads: 1 }).threads, 1);
      assert.throws(() => setBlas('openblas', { threads: 0 }), /setBlas\(\{ threads \}\)=0 is not a thread count/);
      setBlas('openblas', { threads: before });
    }
  } finally {
    setBlas(initial);
  }
});

test('blas: eigh (dsyevd) equals the TypeScript eigh and satisfies A Q = Q Λ, QᵀQ = I', () => {
  for (const n of [1, 7, 150]) {
    const A = randomGram(n, n + 5, n + 3);
    const r = both(() => eigh(A, n));
    if (!r) return;
    assert.ok(relDiff(r.ob.values, r.ts.values) < 1e-12, `n=${n} eigenvalues differ`);
    const AQ = matmul(A, r.ob.Q, n, n, n);
    let res = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) res = Math.max(res, Math.abs(AQ[i * n + j] - r.ob.Q[i * n + j] * r.ob.values[j]));
    assert.ok(res < 1e-11 * Math.max(1, maxAbs(A)), `n=${n} residual ${res}`);
    const QtQ = matmul(transpose(r.ob.Q, n, n), r.ob.Q, n, n, n);
    for (let i = 0; i < n; i++) QtQ[i * n + i] -= 1;
    assert.ok(maxAbs(QtQ) < 1e-12, `n=${n} orthogonality ${maxAbs(QtQ)}`);
    // eigenvectors agree up to sign (distinct eigenvalues of a random Gram matrix)
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += r.ob.Q[i * n + j] * r.ts.Q[i * n + j];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `n=${n} eigenvector ${j}: |dot| = ${Math.abs(dot)}`);
    }
  }
  // only the upper triangle is read on both paths
  const n = 40;
  const A = randomGram(n, 50, 9);
  const G = A.slice();
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) G[i * n + j] = -7;
  const r = both(() => eigh(G, n).values);
  if (r) {
    assert.ok(relDiff(r.ob, r.ts) < 1e-12);
    assert.ok(relDiff(r.ob, eigh(A, n, { method: 'dc' }).values) < 1e-12);
  }
});

test('blas: cholesky (dpotrf) equals TypeScript, L Lᵀ = A, lower triangle only, same errors', () => {
  for (const n of [1, 5, 97, 300]) {
    const A = randomGram(n, n + 8, n);
    const r = both(() => cholesky(lowerWithGarbage(A, n), n));
    if (!r) return;
    assert.ok(relDiff(r.ob, r.ts) < 1e-12, `n=${n}`);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(r.ob[i * n + j], 0);
    assert.ok(relDiff(matmul(r.ob, transpose(r.ob, n, n), n, n, n), A) < 1e-13, `n=${n} L Lᵀ ≠ A`);
  }
  // failures: same pivot, value and damping history on both paths (NaN included)
  const bad = Float64Array.from([4, 2, 0, 2, 1, 0, 0, 0, 3]); // pivot 1 is exactly 0
  const errs = both(() => {
    try {
      cholesky(bad, 3);
      return null;
    } catch (e) {
      return e as CholeskyError;
    }
  });
  assert.ok(errs && errs.ob instanceof CholeskyError && errs.ts instanceof CholeskyError);
  assert.equal(errs.ob.pivot, 1);
  assert.equal(errs.ob.pivot, errs.ts.pivot);
  assert.equal(errs.ob.message, errs.ts.message);
  const nan = both(() => assert.throws(() => cholesky(Float64Array.from([1, NaN, NaN, 1]), 2), CholeskyError));
  assert.ok(nan);
  const indefinite = Float64Array.from([1, 0, 0, -0.05]);
  const d = both(() => choleskyDamped(indefinite, 2));
  assert.ok(d && d.ob.tries === d.ts.tries && d.ob.damp === d.ts.damp && relDiff(d.ob.L, d.ts.L) < 1e-14, JSON.stringify(d && [d.ob.tries, d.ts.tries]));
});

test('blas: triangular and SPD solves (dtrsm, dpotrs) equal TypeScript and their residuals vanish', () => {
  for (const [n, m] of [
    [1, 1],
    [37, 3],
    [120, 70],
    [64, 129],
  ] as [number, number][]) {
    const A = randomGram(n, n + 10, n * 3 + m);
    const L = cholesky(A, n, { blockSize: 48 }); // TypeScript factor, so the solves below are tested alone
    const Lg = lowerWithGarbage(L, n);
    const B = randomNormal(n, m, n + m);
    const Bt = randomNormal(m, n, n - m);
    const r = both(() => ({
      lower: solveLower(Lg, B, n, m),
      lowerT: solveLowerTranspose(Lg, B, n, m),
      chol: solveCholesky(Lg, B, n, m),
      spd: solveSpd(A, B, n, m, { damp: 0 }).X,
      spdRight: solveSpdRight(Bt, A, m, n, { damp: 0 }).X,
    }));
    if (!r) return;
    for (const k of ['lower', 'lowerT', 'chol', 'spd', 'spdRight'] as const) {
      assert.ok(relDiff(r.ob[k], r.ts[k]) < 1e-9, `${k} n=${n} m=${m}: ${relDiff(r.ob[k], r.ts[k])}`);
    }
    assert.ok(relDiff(matmul(L, r.ob.lower, n, n, m), B) < 1e-12, `L X = B, n=${n}`);
    assert.ok(relDiff(matmul(transpose(L, n, n), r.ob.lowerT, n, n, m), B) < 1e-12, `Lᵀ X = B, n=${n}`);
    assert.ok(relDiff(matmul(A, r.ob.chol, n, n, m), B) < 1e-9, `A X = B, n=${n}`);
    assert.ok(relDiff(matmul(A, r.ob.spd, n, n, m), B) < 1e-9, `spd A X = B, n=${n}`);
    assert.ok(relDiff(matmul(r.ob.spdRight, A, m, n, n), Bt) < 1e-9, `X A = B, n=${n}`);
  }
});

test('blas: dgemm / sgemm / dsyrk / ssyrk against the plain matmul', () => {
  if (!hasOpenBlas) return;
  try {
    const la = setBlas('openblas') && lapack();
    assert.ok(la);
    const [m, k, n] = [13, 29, 17];
    const A = randomNormal(m, k, 1);
    const B = randomNormal(k, n, 2);
    const ref = matmul(A, B, m, k, n);
    const C = new Float64Array(m * n).fill(1);
    la.dgemm(false, false, m, n, k, 2, A, B, 0.5, C);
    assert.ok(
      relDiff(
        C,
        ref.map((v) => 2 * v + 0.5),
      ) < 1e-14,
    );
    const C2 = new Float64Array(m * n);
    la.dgemm(true, true, m, n, k, 1, transpose(A, m, k), transpose(B, k, n), 0, C2);
    assert.ok(relDiff(C2, ref) < 1e-14);
    const C3 = new Float32Array(m * n);
    la.sgemm(false, true, m, n, k, 1, Float32Array.from(A), Float32Array.from(transpose(B, k, n)), 0, C3);
    assert.ok(relDiff(C3, ref) < 1e-5);
    const G = new Float64Array(k * k);
    la.dsyrkAtA(k, m, 1, A, 0, G);
    const Gref = matmul(transpose(A, m, k), A, k, m, k);
    for (let i = 0; i < k; i++) for (let j = i; j < k; j++) assert.ok(Math.abs(G[i * k + j] - Gref[i * k + j]) < 1e-12, `dsyrk ${i},${j}`);
    assert.equal(G[k], 0); // strict lower triangle untouched
    const Gs = new Float32Array(k * k);
    la.ssyrkAtA(k, m, 1, Float32Array.from(A), 0, Gs);
    for (let i = 0; i < k; i++) for (let j = i; j < k; j++) assert.ok(Math.abs(Gs[i * k + j] - Gref[i * k + j]) < 1e-4, `ssyrk ${i},${j}`);
    assert.throws(() => la.dgemm(false, false, m, n, k, 1, A.subarray(1), B, 0, C), /dgemm: A has/);
  } finally {
    setBlas(initial);
  }
});

test('blas: backendInfo() reports the active host linear algebra', async () => {
  const { initBackend, backendInfo } = await import('../../src/backend');
  await initBackend();
  try {
    setBlas('ts');
    assert.equal(backendInfo().blas.active, 'ts');
    setBlas('auto');
    assert.equal(backendInfo().blas.active, hasOpenBlas ? 'openblas' : 'ts');
  } finally {
    setBlas(initial);
  }
});
