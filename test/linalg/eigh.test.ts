import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eigh, eigvalsh } from '../../src/linalg/eigh';
import { matmul, maxAbs, randomGram, randomNormal, transpose } from '../../src/linalg/matrix';

function randomSymmetric(n: number, seed: number): Float64Array {
  const R = randomNormal(n, n, seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = R[i * n + j] + R[j * n + i];
  return A;
}

/** Checks A Q = Q Λ, QᵀQ = I and ascending order; returns the decomposition. */
function checkDecomposition(A: Float64Array, n: number, method: 'dc' | 'ql' = 'dc', tol = 1e-12): ReturnType<typeof eigh> {
  const r = eigh(A, n, { method });
  assert.equal(r.values.length, n);
  assert.equal(r.Q.length, n * n);
  const scale = Math.max(maxAbs(A), 1e-300);
  const AQ = matmul(A, r.Q, n, n, n);
  let res = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) res = Math.max(res, Math.abs(AQ[i * n + j] - r.Q[i * n + j] * r.values[j]));
  assert.ok(res <= tol * n * scale, `${method} n=${n}: ‖AQ − QΛ‖ = ${res} (scale ${scale})`);
  const QtQ = matmul(transpose(r.Q, n, n), r.Q, n, n, n);
  for (let i = 0; i < n; i++) QtQ[i * n + i] -= 1;
  assert.ok(maxAbs(QtQ) <= tol * n, `${method} n=${n}: ‖QᵀQ − I‖ = ${maxAbs(QtQ)}`);
  for (let j = 1; j < n; j++) assert.ok(r.values[j] >= r.values[j - 1], `not ascending at ${j}`);
  return r;
}

/** Cyclic Jacobi eigenvalues: an independent reference for small n. */
function jacobiEigenvalues(A0: Float64Array, n: number): number[] {
  const A = A0.slice();
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q] ** 2;
    if (off < 1e-30 * (maxAbs(A) ** 2 + 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => A[i * n + i]).sort((a, b) => a - b);
}

test('eigh: random symmetric matrices up to n = 200, both methods agree', () => {
  for (const n of [3, 4, 5, 10, 24, 25, 33, 64, 200]) {
    const A = randomSymmetric(n, 100 + n);
    const dc = checkDecomposition(A, n, 'dc');
    const ql = checkDecomposition(A, n, 'ql');
    for (let j = 0; j < n; j++) assert.ok(Math.abs(dc.values[j] - ql.values[j]) < 1e-12 * maxAbs(A) * n);
  }
});

test('eigh: eigenvalues agree with an independent Jacobi reference', () => {
  for (const n of [2, 6, 17, 30]) {
    const A = randomSymmetric(n, 7 * n);
    const ref = jacobiEigenvalues(A, n);
    const { values } = eigh(A, n);
    const tol = 1e-12 * maxAbs(A) * n;
    for (let j = 0; j < n; j++) assert.ok(Math.abs(values[j] - ref[j]) < tol, `n=${n} λ_${j}: ${values[j]} vs ${ref[j]}`);
  }
});

test('eigh: Gram matrix (PSD, wide spectrum) has non-negative eigenvalues and tiny residual', () => {
  const n = 120;
  for (const method of ['dc', 'ql'] as const) {
    const r = checkDecomposition(randomGram(n, 90, 3), n, method); // rank 90: 30 (near-)zero eigenvalues
    assert.ok(r.values[0] > -1e-12 * r.values[n - 1]);
    assert.ok(Math.abs(r.values[29]) < 1e-12 * r.values[n - 1]);
    assert.ok(r.values[30] > 1e-4);
  }
});

test('eigh: repeated eigenvalues keep an orthonormal basis of each eigenspace', () => {
  const n = 40;
  const { Q: Q0 } = eigh(randomSymmetric(n, 5), n); // a random orthogonal matrix
  const lambda = Array.from({ length: n }, (_, i) => (i < 10 ? 1 : i < 25 ? 2 : i < 26 ? -3 : 7));
  const QL = Q0.slice();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) QL[i * n + j] *= lambda[j];
  const A = matmul(QL, transpose(Q0, n, n), n, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[i * n + j] = A[j * n + i]; // exact symmetry
  const sorted = lambda.slice().sort((a, b) => a - b);
  for (const method of ['dc', 'ql'] as const) {
    const r = checkDecomposition(A, n, method);
    for (let j = 0; j < n; j++) assert.ok(Math.abs(r.values[j] - sorted[j]) < 1e-12 * 7 * n, `${method} λ_${j}`);
  }
});

test('eigh: identity, zero, diagonal and block-diagonal matrices', () => {
  const n = 25;
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  const rI = checkDecomposition(I, n);
  assert.ok(rI.values.every((v) => v === 1));
  const rZ = eigh(new Float64Array(n * n), n);
  assert.ok(rZ.values.every((v) => v === 0));
  // Diagonal: eigenvalues are the sorted diagonal, eigenvectors the matching unit vectors.
  const diag = [3, -1, 2.5, 0, 10, -7];
  const D = new Float64Array(36);
  diag.forEach((v, i) => (D[i * 6 + i] = v));
  const rD = checkDecomposition(D, 6);
  const order = diag.map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]);
  order.forEach(([v, i], j) => {
    assert.equal(rD.values[j], v);
    assert.equal(Math.abs(rD.Q[i * 6 + j]), 1);
  });
  // Uncoupled blocks: QL must split at the zero off-diagonal; for divide and conquer the split at
  // 25 | 25 has ρ = 0 (everything deflates) and 12 | 38 does not.
  for (const sizes of [
    [12, 38],
    [25, 25],
  ]) {
    const m = sizes[0] + sizes[1];
    const B = new Float64Array(m * m);
    let off = 0;
    sizes.forEach((s, q) => {
      const b = randomSymmetric(s, q + 1);
      for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) B[(off + i) * m + off + j] = b[i * s + j];
      off += s;
    });
    checkDecomposition(B, m, 'dc');
    checkDecomposition(B, m, 'ql');
  }
});

test('eigh: 1×1 and 2×2 closed forms', () => {
  const r1 = eigh(Float64Array.of(-4.5), 1);
  assert.deepEqual(Array.from(r1.values), [-4.5]);
  assert.deepEqual(Array.from(r1.Q), [1]);
  const r2 = checkDecomposition(Float64Array.of(2, 1, 1, 2), 2);
  assert.ok(Math.abs(r2.values[0] - 1) < 1e-15 && Math.abs(r2.values[1] - 3) < 1e-15);
  // λ=1: ±(1, −1)/√2 in column 0; λ=3: ±(1, 1)/√2 in column 1.
  const s = Math.SQRT1_2;
  assert.ok(Math.abs(Math.abs(r2.Q[0]) - s) < 1e-15 && Math.abs(r2.Q[0] + r2.Q[2]) < 1e-15);
  assert.ok(Math.abs(Math.abs(r2.Q[1]) - s) < 1e-15 && Math.abs(r2.Q[1] - r2.Q[3]) < 1e-15);
  assert.equal(eigh(new Float64Array(0), 0).values.length, 0);
});

test('eigh: reads only the upper triangle; eigvalsh matches; bad input is rejected', () => {
  const n = 15;
  const A = randomSymmetric(n, 77);
  const junk = A.slice();
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) junk[i * n + j] = NaN;
  const a = eigh(A, n);
  const b = eigh(junk, n);
  assert.deepEqual(a.values, b.values);
  assert.deepEqual(a.Q, b.Q);
  const ev = eigvalsh(A, n);
  for (let j = 0; j < n; j++) assert.ok(Math.abs(ev[j] - a.values[j]) < 1e-12 * maxAbs(A) * n);
  const bad = A.slice();
  bad[3] = Infinity;
  assert.throws(() => eigh(bad, n), /A\[0, 3\] = Infinity is not finite/);
  assert.throws(() => eigh(A, 14), /eigh: A: expected 14×14/);
  assert.throws(() => eigh(A, n, { method: 'jacobi' as 'dc' }), /method must be 'dc' or 'ql'/);
});
