import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertShape, identity, matmul, maxAbs, principalSubmatrix, randomGram, randomNormal, seededUniform, transpose } from '../../src/linalg/matrix';

test('transpose and matmul on small known matrices', () => {
  const M = Float64Array.of(1, 2, 3, 4, 5, 6); // 2×3
  assert.deepEqual(Array.from(transpose(M, 2, 3)), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(Array.from(matmul(M, transpose(M, 2, 3), 2, 3, 2)), [14, 32, 32, 77]);
  assert.deepEqual(Array.from(matmul(identity(2), M, 2, 2, 3)), Array.from(M));
  const R = randomNormal(37, 70, 5); // larger than one 32×32 transpose tile
  assert.deepEqual(transpose(transpose(R, 37, 70), 70, 37), R);
  assert.throws(() => transpose(M, 3, 3), /transpose: M: expected 3×3 = 9 elements/);
  assert.throws(() => assertShape(M, -1, 2, 'X'), /X: shape -1×2/);
});

test('principalSubmatrix picks A[S, S] in the order of S', () => {
  const A = Float64Array.from({ length: 16 }, (_, i) => i); // 4×4, A[i, j] = 4i + j
  assert.deepEqual(Array.from(principalSubmatrix(A, 4, [3, 1])), [15, 13, 7, 5]);
  assert.throws(() => principalSubmatrix(A, 4, [0, 4]), /index S\[1\] = 4 is outside \[0, 4\)/);
});

test('seeded generators are reproducible and seed-dependent; randomGram is symmetric PSD-shaped', () => {
  const a = seededUniform(42);
  const b = seededUniform(42);
  const xs = Array.from({ length: 5 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(randomNormal(3, 3, 1), randomNormal(3, 3, 2));
  const n = 9;
  const G = randomGram(n, 20, 3, 0.5);
  assert.deepEqual(G, transpose(G, n, n));
  for (let i = 0; i < n; i++) assert.ok(G[i * n + i] > 0.5);
  // Sample mean/variance of the normals are plausible.
  const Z = randomNormal(100, 100, 7);
  let mean = 0;
  for (const z of Z) mean += z / Z.length;
  let v = 0;
  for (const z of Z) v += (z - mean) ** 2 / Z.length;
  assert.ok(Math.abs(mean) < 0.05 && Math.abs(v - 1) < 0.05, `mean ${mean} var ${v}`);
  assert.equal(maxAbs(new Float64Array(0)), 0);
});
