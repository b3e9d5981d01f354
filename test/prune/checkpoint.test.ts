// The ADMM checkpoint on its own: a saved state loads back bit-identically, only the newest state file is
// kept, and a foreign, damaged or mismatched checkpoint is refused with a message naming the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { admmCheckpoint, fingerprint } from '../../src/prune/admm/checkpoint';
import { AdmmState } from '../../src/prune/admm/step';
import { createRng } from '../../src/util/rng';
import { tmpDir } from '../helpers';

const SHAPES = [
  { id: 'layers.0.attn', n: 8, d: 4 },
  { id: 'layers.0.ffn', n: 6, d: 4 },
];

function state(iteration: number, seed: number): AdmmState {
  const rng = createRng(seed);
  const arr = (len: number) => Float32Array.from({ length: len }, () => rng.normal());
  return {
    iteration,
    rho: 0.2 * 1.3 ** iteration,
    stable: iteration % 2,
    converged: false,
    reports: Array.from({ length: iteration + 1 }, (_, i) => ({
      iteration: i,
      rho: 0.2,
      lambda: null,
      primalResidual: i,
      dualResidual: 0,
      objective: 1 / (i + 1),
      sparsity: 0.3,
      perModule: [],
      flipped: 0,
      seconds: 0,
    })),
    modules: [
      { id: 'layers.0.attn', W: arr(32), Z: arr(32), U: arr(32), removed: Uint8Array.from([1, 0]) },
      { id: 'layers.0.ffn', W: arr(24), Z: arr(24), U: arr(24), removed: Uint8Array.from([0, 1, 1, 0, 0, 0]) },
    ],
  } as unknown as AdmmState;
}

test('save → load is bit-identical; only the newest state file remains; no temp files', () => {
  const dir = path.join(tmpDir('sp-ckpt-'), 'run');
  const fp = fingerprint({ model: 'x', sparsity: 0.3 });
  const ck = admmCheckpoint(dir, fp, SHAPES);
  assert.equal(ck.load(), null, 'an empty folder resumes nothing');
  ck.save(state(1, 1));
  const s2 = state(2, 2);
  ck.save(s2);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['state-2.safetensors', 'state.json']);
  const back = ck.load()!;
  assert.equal(back.iteration, 2);
  assert.equal(back.rho, s2.rho);
  assert.equal(back.stable, s2.stable);
  assert.deepEqual(back.reports, s2.reports);
  back.modules.forEach((m, i) => {
    for (const k of ['W', 'Z', 'U'] as const) assert.deepEqual(Array.from(m[k]), Array.from(s2.modules[i][k]), `${m.id}.${k}`);
    assert.deepEqual(Array.from(m.removed), Array.from(s2.modules[i].removed));
  });
});

test('another run, a damaged state.json or other module shapes are refused, naming the fix', () => {
  const dir = path.join(tmpDir('sp-ckpt-bad-'), 'run');
  admmCheckpoint(dir, fingerprint({ a: 1 }), SHAPES).save(state(1, 3));
  assert.throws(
    () => admmCheckpoint(dir, fingerprint({ a: 2 }), SHAPES).load(),
    /belongs to a different run .*use another checkpoint folder \(option `checkpoint`\) or delete it/,
  );
  assert.throws(
    () => admmCheckpoint(dir, fingerprint({ a: 1 }), [SHAPES[0], { id: 'layers.0.ffn', n: 7, d: 4 }]).load(),
    /module 1 is .* expected layers\.0\.ffn \[7, 4\]/,
  );
  const json = path.join(dir, 'state.json');
  fs.writeFileSync(json, fs.readFileSync(json, 'utf8').slice(0, 30));
  assert.throws(() => admmCheckpoint(dir, fingerprint({ a: 1 }), SHAPES).load(), /state\.json is not valid JSON .*delete the directory/);
});
