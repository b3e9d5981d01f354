import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, maxAbs, randomNormal, transpose } from '../../src/linalg/matrix';
import { accumulateReflectorsTransposed, applyReflectorsToRows } from '../../src/linalg/reflectors';
import { tridiagonalize } from '../../src/linalg/tridiagonal';
import { tridiagonalMatrix } from './tridiagonalMatrix';

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
