import { test } from 'node:test';
import assert from 'node:assert/strict';
import { secularRoot } from '../../src/linalg/secular';

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
