// `structprune export --format gguf` and `eval --engine llama.cpp` as a user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpDir } from '../helpers';

const BIN = path.join(__dirname, '..', '..', 'bin', 'structprune.js');
function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const dir = tmpDir('sp-cli-gguf-');

test('export --format gguf writes stories260K, refuses to overwrite without --force (exit 2), and eval --engine llama.cpp gives the tfjs perplexity', () => {
  const out = path.join(dir, 's.gguf');
  let r = cli(['export', '--format', 'gguf', '--model', 'stories260K', '--out', out, '--dtype', 'f16', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual([j.arch, j.dtype, j.bytes], ['llama', 'f16', fs.statSync(out).size]);
  r = cli(['export', '--format', 'gguf', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.err, /exists: pass --force/);
  r = cli(['export', '--format', 'gguf', '--out', out, '--force', '--json']);
  assert.equal(r.code, 0, r.err);
  const ours = JSON.parse(cli(['eval', '--dataset', 'tinystories-val', '--max-windows', '2', '--json']).out);
  r = cli(['eval', '--engine', 'llama.cpp', '--model', out, '--dataset', 'tinystories-val', '--max-windows', '2', '--json']);
  assert.equal(r.code, 0, r.err);
  const theirs = JSON.parse(r.out);
  assert.deepEqual([theirs.windows, theirs.tokens, theirs.engine], [2, 2 * 511, 'llama.cpp']);
  assert.ok(Math.abs(theirs.ppl - ours.ppl) < 1e-5 * ours.ppl, `${theirs.ppl} vs ${ours.ppl}`);
});

test('export refuses OPT with the reason (exit 1) and eval --engine llama.cpp wants a .gguf (exit 2)', () => {
  const fx = path.join(dir, 'opt');
  assert.equal(cli(['fixture', '--arch', 'opt', '--layers', '1', '--d-model', '32', '--out', fx]).code, 0);
  const r = cli(['export', '--format', 'gguf', '--model', fx, '--out', path.join(dir, 'opt.gguf')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /OPT models cannot be exported to GGUF: llama\.cpp has no OPT architecture/);
  assert.ok(!fs.existsSync(path.join(dir, 'opt.gguf')));
  assert.equal(cli(['eval', '--engine', 'llama.cpp', '--model', 'stories260K', '--dataset', 'tinystories-val']).code, 2);
});
