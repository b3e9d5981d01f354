import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addABt, matmulABt } from '../../src/linalg/gemm';
import { matmul, maxAbs, randomNormal, transpose } from '../../src/linalg/matrix';

test('matmulABt: equals the plain product for ragged shapes', () => {
  for (const [m, k, n] of [
    [1, 1, 1],
    [5, 3, 7],
    [9, 600, 3],
    [4, 2, 2],
    [13, 517, 10],
  ]) {
    const A = randomNormal(m, k, m + k);
    const B = randomNormal(n, k, n * k);
    const C = matmulABt(A, B, m, k, n);
    const ref = matmul(A, transpose(B, n, k), m, k, n);
    for (let i = 0; i < C.length; i++) C[i] -= ref[i];
    assert.ok(maxAbs(C) < 1e-12 * Math.sqrt(k), `${m}×${k}×${n}`);
  }
  assert.throws(() => matmulABt(new Float64Array(6), new Float64Array(6), 2, 3, 3), /expected A 2×3/);
});

test('addABt: updates a strided block in place and leaves the rest untouched', () => {
  // C (7×9) block at (2, 3) of size 4×5 += −2 · A[1:5, 0:6] · B[2:7, 0:6]ᵀ with lda = ldb = 6.
  const A = randomNormal(6, 6, 1);
  const B = randomNormal(8, 6, 2);
  const C = randomNormal(7, 9, 3);
  const before = C.slice();
  addABt(-2, A, 6, 1, B, 6, 2, C, 9, 2, 3, 4, 5, 0, 6);
  for (let i = 0; i < 7; i++) {
    for (let j = 0; j < 9; j++) {
      const inside = i >= 2 && i < 6 && j >= 3 && j < 8;
      let expect = before[i * 9 + j];
      if (inside) for (let p = 0; p < 6; p++) expect -= 2 * A[(i - 2 + 1) * 6 + p] * B[(j - 3 + 2) * 6 + p];
      assert.ok(Math.abs(C[i * 9 + j] - expect) < 1e-13, `(${i}, ${j})`);
    }
  }
});
