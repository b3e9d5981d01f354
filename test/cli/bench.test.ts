// `structprune bench`, `fixture --preset` and the per-phase times of `prune --json`, as a user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';

const BIN = path.join(__dirname, '..', '..', 'bin', 'structprune.js');
function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('bench --json: one record per measurement, baseline interleaved before current with a ratio', () => {
  const r = cli(['bench', '--only', 'gemm_1024,eigh_1024', '--baseline', '--json']);
  assert.equal(r.code, 0, r.err);
  const recs = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const names = recs.map((x) => `${x.name}/${x.variant}`);
  assert.ok(names.includes('gemm_1024/current'), names.join());
  const i = names.indexOf('eigh_1024/baseline');
  assert.ok(i >= 0 && names[i + 1] === 'eigh_1024/current', names.join());
  for (const x of recs) {
    assert.ok(x.seconds > 0 && typeof x.backend === 'string' && typeof x.blas === 'string', JSON.stringify(x));
    if (x.gflops !== undefined) assert.ok(x.gflops > 0);
  }
  assert.equal(recs[i].blas, 'ts');
  assert.ok(recs[i + 1].ratio > 0 && Math.abs(recs[i + 1].ratio - recs[i].seconds / recs[i + 1].seconds) < 1e-9);
});

test('bench table and argument errors', () => {
  const bad = cli(['bench', '--only', 'gemm_9']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--only: unknown measurement "gemm_9"/);
  const t = cli(['bench', '--only', 'gemm_1024'], { STRUCTPRUNE_BLAS: 'ts' });
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^name\s+variant\s+seconds/);
  assert.doesNotMatch(t.out, /openblas/); // STRUCTPRUNE_BLAS=ts: no OpenBLAS record
});

test('fixture --preset checks the architecture; prune --json reports the time of each phase', () => {
  const f = cli(['fixture', '--arch', 'llama', '--preset', 'opt-125m', '--out', '/nonexistent']);
  assert.equal(f.code, 2);
  assert.match(f.err, /--preset is an opt configuration; use --arch opt/);
  const p = cli(['prune', '--method', 'structprune', '--sparsity', '0.2', '--calib-samples', '2', '--calib-seqlen', '64', '--iterations', '2', '--json']);
  assert.equal(p.code, 0, p.err);
  const s = JSON.parse(p.out).seconds;
  for (const k of ['stats', 'problems', 'eigendecompositions', 'admm', 'select', 'finalize', 'total']) assert.ok(s[k] >= 0, `${k}: ${JSON.stringify(s)}`);
  assert.ok(s.eigendecompositions + s.admm <= s.select + 1e-9 && s.total >= s.stats + s.select + s.finalize - 1e-9, JSON.stringify(s));
});
