// ADMM algebra in the eigenbasis (src/prune/admm/eigenbasis.ts, step.ts): both engines (OpenBLAS sgemm,
// tfjs matMul) against a plain float64 product, and the two-product iteration against the three-product
// definition (P-step from Z̃, Ũ in the original basis; objective from Z̃).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { blasInfo, setBlas } from '../../src/linalg/blas';
import { matmul, transpose } from '../../src/linalg/matrix';
import { eigenbasisEngine, intoEigenbasis, outOfEigenbasis } from '../../src/prune/admm/eigenbasis';
import { buildAdmmProblem } from '../../src/prune/admm/problem';
import { init, step, pStep, feasibleObjective, AdmmState } from '../../src/prune/admm/step';
import { createRng } from '../../src/util/rng';
import { noLeaks, maxAbsDiff } from '../helpers';
import { syntheticProblem } from './synthetic';

before(() => initBackend());
const initialBlas = blasInfo().mode;

const problems = () => [syntheticProblem('a', 6, 2, 7, 3, 11, 80), syntheticProblem('b', 9, 1, 5, 2, 12, 80)];

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s = Math.max(s, Math.abs(b[i]));
  return maxAbsDiff(a, b) / Math.max(s, 1e-30);
}

test('eigenbasis products: OpenBLAS and tfjs engines equal the float64 reference (Qᵀ X, Q X̂)', async () => {
  const rng = createRng(3);
  const [n, d] = [37, 11];
  const Q = Float32Array.from({ length: n * n }, () => rng.normal());
  const X = Float32Array.from({ length: n * d }, () => rng.normal());
  const refInto = matmul(transpose(Q, n, n), X, n, n, d);
  const refOut = matmul(Q, X, n, n, d);
  const engines: string[] = [];
  try {
    for (const mode of blasInfo().active === 'openblas' || tryOpenBlas() ? (['openblas', 'ts'] as const) : (['ts'] as const)) {
      setBlas(mode);
      engines.push(eigenbasisEngine());
      const into = await noLeaks(() => intoEigenbasis(Q, X, n, d));
      const out = await noLeaks(() => outOfEigenbasis(Q, X, n, d));
      assert.ok(relDiff(into, refInto) < 1e-5, `${mode}: Qᵀ X ${relDiff(into, refInto)}`);
      assert.ok(relDiff(out, refOut) < 1e-5, `${mode}: Q X ${relDiff(out, refOut)}`);
    }
  } finally {
    setBlas(initialBlas);
  }
  assert.ok(engines.includes('tfjs'));
});

function tryOpenBlas(): boolean {
  try {
    setBlas('openblas');
    return true;
  } catch {
    return false;
  } finally {
    setBlas(initialBlas);
  }
}

test('two-product ADMM iteration equals the definition: P̃ = pStep(Z̃, Ũ), objective from Z̃, Ẑ and Û carried', async () => {
  const problem = await buildAdmmProblem(problems(), 0.4, { rho0: 0.3 });
  let s: AdmmState = await noLeaks(() => init(problem));
  for (let it = 0; it < 6; it++) {
    const prev = s;
    s = await noLeaks(() => step(problem, prev));
    for (const [i, m] of problem.modules.entries()) {
      // P-step by the public three-product route from the previous Z̃, Ũ in the original basis
      const W = await pStep(m, prev.modules[i].Z, prev.modules[i].U, prev.rho);
      assert.ok(relDiff(s.modules[i].W, W) < 1e-4, `it ${it} ${m.id}: P̃ ${relDiff(s.modules[i].W, W)}`);
      // carried eigen-coordinates equal Qᵀ Z̃ and Qᵀ Ũ
      const Zh = matmul(transpose(m.Q, m.n, m.n), s.modules[i].Z, m.n, m.n, m.d);
      const Uh = matmul(transpose(m.Q, m.n, m.n), s.modules[i].U, m.n, m.n, m.d);
      assert.ok(relDiff(s.modules[i].Zh!, Zh) < 1e-4, `it ${it} ${m.id}: Ẑ`);
      assert.ok(
        maxAbsDiff(s.modules[i].Uh!, Uh) < 1e-4 * Math.max(1, ...Array.from(s.modules[i].W, Math.abs)),
        `it ${it} ${m.id}: Û ${maxAbsDiff(s.modules[i].Uh!, Uh)}`,
      );
    }
    const obj = await feasibleObjective(
      problem,
      s.modules.map((x) => x.Z),
    );
    const rep = s.reports[s.reports.length - 1];
    assert.ok(Math.abs(rep.objective - obj) <= 1e-5 * Math.max(1, obj), `it ${it}: objective ${rep.objective} vs ${obj}`);
  }
  // a state without the carried coordinates (a resumed checkpoint) gives the same next iterate
  const stripped: AdmmState = { ...s, modules: s.modules.map(({ Zh: _z, Uh: _u, ...rest }) => rest) };
  const a = await step(problem, s);
  const b = await step(problem, stripped);
  for (const [i] of problem.modules.entries()) assert.ok(relDiff(a.modules[i].W, b.modules[i].W) < 1e-4);
});
