// The CLI as a user runs it: exit codes, JSON outputs, files written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { golden, tmpDir } from '../helpers';

const BIN = path.join(__dirname, '..', '..', 'bin', 'structprune.js');
function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('generate --json reproduces the golden greedy ids', () => {
  const r = cli(['generate', '--model', 'stories260K', '--steps', '200', '--temperature', '0', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.ids, golden().greedy_from_bos.token_ids);
  assert.equal(j.text, golden().greedy_from_bos.text);
});

test('eval --json prints one line with ppl, nll, windows, tokens, seconds, backend, adapter', () => {
  const r = cli(['eval', '--dataset', 'wikitext2', '--max-windows', '2', '--json']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1);
  const j = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(j).sort(), ['adapter', 'backend', 'nll', 'ppl', 'seconds', 'tokens', 'windows']);
  assert.equal(typeof j.backend, 'string');
  assert.equal(j.windows, 2);
  assert.equal(j.tokens, 2 * 511);
  assert.ok(Math.abs(Math.exp(j.nll) - j.ppl) < 1e-9 * j.ppl);
});

test('bad arguments exit 2 with usage; failures exit 1 with one line', () => {
  for (const args of [['eval', '--dataset', 'nope'], ['prune', '--method', 'x', '--sparsity', '0.3'], ['prune', '--method', 'local'], ['eval', '--bogus'], ['nocommand'], ['generate', '--steps', '-1']]) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, /structprune/);
  }
  const missing = cli(['eval', '--dataset', 'ptb', '--model', '/nonexistent/model.bin']);
  assert.equal(missing.code, 2);
  const dir = tmpDir('sp-empty-');
  const noData = cli(['eval', '--dataset', 'ptb', '--data-dir', dir]);
  assert.equal(noData.code, 1);
  assert.equal(noData.err.trim().split('\n').length, 1);
  assert.match(noData.err, /stories260K\.bin.*sha256|missing/i);
});

test('prune --json --out writes a loadable model whose eval matches the report', () => {
  const out = path.join(tmpDir('sp-cli-'), 'pruned');
  const trace = path.join(path.dirname(out), 'trace.jsonl');
  const html = path.join(path.dirname(out), 'report.html');
  const r = cli(['prune', '--method', 'structprune', '--sparsity', '0.3', '--calib-samples', '8', '--calib-seqlen', '64', '--iterations', '4',
    '--out', out, '--trace', trace, '--report', html, '--eval', 'tinystories-val', '--max-windows', '2', '--json']);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  assert.equal(rep.method, 'structprune');
  assert.ok(rep.sparsity >= 0.3);
  assert.equal(fs.readFileSync(trace, 'utf8').trim().split('\n').length, rep.admm.iterations + 1);
  const page = fs.readFileSync(html, 'utf8');
  assert.equal(page.match(/class="structprune-plot"/g)?.length, 2, 'sparsity bars and ADMM trace');
  assert.match(page, /ADMM trace/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).perModule, rep.perModule);
  const ev = cli(['eval', '--model', out, '--dataset', 'tinystories-val', '--max-windows', '2', '--json']);
  assert.equal(ev.code, 0, ev.err);
  assert.ok(Math.abs(JSON.parse(ev.out).ppl - rep.perplexity['tinystories-val']) < 1e-9);
});

test('convert --to hf, then logits of the HF directory equal the llama2.c model', () => {
  const out = path.join(tmpDir('sp-hf-'), 'hf');
  assert.equal(cli(['convert', '--to', 'hf', '--out', out]).code, 0);
  const a = JSON.parse(cli(['logits', '--ids', '1,403,407', '--json']).out).logits;
  const b = JSON.parse(cli(['logits', '--model', out, '--ids', '1,403,407', '--json']).out).logits;
  assert.deepEqual(a, b);
  for (const method of ['local', 'global-threshold', 'structprune']) {
    const r = cli(['prune', '--model', out, '--method', method, '--sparsity', '0.3', '--calib-samples', '4', '--calib-seqlen', '32', '--iterations', '3', '--json']);
    assert.equal(r.code, 0, `${method} on converted stories260K: ${r.err}`);
    assert.equal(JSON.parse(r.out).calibration.corpus, 'tinystories-train');
  }
});

test('fixture writes an OPT checkpoint that every pruning method accepts', () => {
  const dir = path.join(tmpDir('sp-fx-'), 'opt');
  assert.equal(cli(['fixture', '--arch', 'opt', '--layers', '2', '--d-model', '64', '--seed', '0', '--out', dir]).code, 0);
  for (const method of ['local', 'global-threshold', 'structprune']) {
    const r = cli(['prune', '--model', dir, '--method', method, '--sparsity', '0.3', '--calib-samples', '4', '--calib-seqlen', '32', '--iterations', '3', '--json']);
    assert.equal(r.code, 0, `${method}: ${r.err}`);
    assert.ok(JSON.parse(r.out).params.pruned < JSON.parse(r.out).params.dense);
  }
});
