// The CLI as a user runs it: exit codes, JSON outputs, files written. Most cases run main() in-process
// (runCli.ts); two spawn the real binary to check exit codes and the whole-message error output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { golden, tmpDir } from '../helpers';
import { runCli } from './runCli';
import { acquireOutputLock } from '../../src/io/atomicDir';

const BIN = path.join(__dirname, '..', '..', 'bin', 'structprune.js');
function spawnCli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A short `prune --json` of the model at `model` with local, global-threshold and structprune (3 ADMM iterations), in turn. */
async function quickPrunes(model: string): Promise<{ method: string; r: Awaited<ReturnType<typeof runCli>> }[]> {
  const runs = [];
  for (const method of ['local', 'global-threshold', 'structprune']) {
    const extra = method === 'structprune' ? ['--iterations', '3'] : [];
    const r = await runCli([
      'prune',
      '--model',
      model,
      '--method',
      method,
      '--sparsity',
      '0.3',
      '--calib-samples',
      '4',
      '--calib-seqlen',
      '32',
      ...extra,
      '--json',
    ]);
    runs.push({ method, r });
  }
  return runs;
}

test('the binary: bad arguments exit 2 with usage; a failure exits 1 with the whole message (reason and fix)', () => {
  const bad = spawnCli(['generate', '--steps', '-1']);
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /--steps must be an integer in 1\.\.∞, got "-1"/);
  assert.match(bad.err, /Usage|structprune generate/);
  const dir = tmpDir('sp-empty-');
  const noData = spawnCli(['demo', '--data-dir', dir, '--from', path.join(dir, 'no-mirror')]);
  assert.equal(noData.code, 1);
  assert.match(noData.err, /4 file\(s\) failed/);
  assert.match(noData.err, /- .*no-mirror/, 'each failure with its reason');
  assert.match(noData.err, /fix: .*--from.*--data-dir.*STRUCTPRUNE_DATA/, 'the fix, in CLI flags');
  assert.doesNotMatch(noData.err, /option `/);
});

test('generate --json reproduces the golden greedy ids', async () => {
  const r = await runCli(['generate', '--model', 'stories260K', '--steps', '200', '--temperature', '0', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.ids, golden().greedy_from_bos.token_ids);
  assert.equal(j.text, golden().greedy_from_bos.text);
});

test('eval --json prints one line with model, dataset, ppl, nll, windows, tokens, seconds, backend, adapter', async () => {
  const r = await runCli(['eval', '--dataset', 'wikitext2', '--max-windows', '2', '--json']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1);
  const j = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(j).sort(), ['adapter', 'backend', 'dataset', 'model', 'nll', 'ppl', 'seconds', 'tokens', 'windows']);
  assert.equal(typeof j.backend, 'string');
  assert.equal(j.windows, 2);
  assert.equal(j.tokens, 2 * 511);
  assert.ok(Math.abs(Math.exp(j.nll) - j.ppl) < 1e-9 * j.ppl);
});

test('bad arguments exit 2 naming the option; failures exit 1', async () => {
  const cases: [string[], RegExp][] = [
    [['eval', '--dataset', 'nope'], /--dataset must be one of/],
    [['prune', '--method', 'x', '--sparsity', '0.3'], /--method must be one of/],
    [['prune', '--method', 'local'], /--sparsity is required/],
    [['eval', '--bogus'], /Unknown option '--bogus'/],
    [['nocommand'], /unknown command "nocommand"/],
    [['prune', '--method', 'local', '--sparsity', '-1'], /--sparsity must be a number in 0\.\.0\.99, got "-1"/],
    [['prune', '--method', 'local', '--sparsity', ''], /--sparsity must be a number in 0\.\.0\.99, got ""/],
    [['sweep', '--sparsities', '0.3,,2'], /--sparsities item 2 of "0\.3,,2" must be a number/],
    [['generate', '--steps', '0'], /--steps must be an integer in 1\.\.∞/],
    [
      ['prune', '--method', 'local', '--sparsity', '0.3', '--allocation', 'softmax', '--temperature', '2'],
      /--allocation, --temperature apply only to --method structprune/,
    ],
    [['eval', '--dataset', 'ptb', '--max-windows', '-2'], /--max-windows must be an integer in 0\.\.∞/],
    [['eval', '--dataset', 'ptb', '--text', 'x.txt'], /--dataset or --text, not both/],
  ];
  for (const [args, msg] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, msg, args.join(' '));
  }
  const missing = await runCli(['eval', '--dataset', 'ptb', '--model', '/nonexistent/model.bin']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /model "\/nonexistent\/model\.bin": no such file/);
  const dir = tmpDir('sp-empty-');
  const noData = await runCli(['eval', '--dataset', 'ptb', '--data-dir', dir]);
  assert.equal(noData.code, 1);
  assert.match(noData.err, /stories260K\.bin.*sha256|missing/i);
});

test('prune --json --out writes a loadable model whose eval matches the report; outputs are checked first', async () => {
  const base = tmpDir('sp-cli-');
  const out = path.join(base, 'pruned');
  const trace = path.join(base, 'trace.jsonl');
  const html = path.join(base, 'missing', 'folder', 'report.html');
  const r = await runCli([
    'prune',
    '--method',
    'structprune',
    '--sparsity',
    '0.3',
    '--calib-samples',
    '8',
    '--calib-seqlen',
    '64',
    '--iterations',
    '4',
    '--out',
    out,
    '--trace',
    trace,
    '--report',
    html,
    '--eval',
    'tinystories-val',
    '--max-windows',
    '2',
    '--json',
  ]);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  assert.equal(rep.method, 'structprune');
  assert.ok(rep.sparsity >= 0.3);
  assert.equal(fs.readFileSync(trace, 'utf8').trim().split('\n').length, rep.admm.iterations + 1);
  const page = fs.readFileSync(html, 'utf8');
  assert.equal(page.match(/class="structprune-plot"/g)?.length, 2, 'sparsity bars and ADMM trace');
  assert.match(page, /ADMM trace/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')).perModule, rep.perModule);
  const ev = await runCli(['eval', '--model', out, '--dataset', 'tinystories-val', '--max-windows', '2', '--json']);
  assert.equal(ev.code, 0, ev.err);
  const e = JSON.parse(ev.out);
  assert.ok(Math.abs(e.ppl - rep.perplexity['tinystories-val']) < 1e-9);
  assert.equal(e.model, `${out} (pruned from stories260K)`, 'a pruned folder is named by its path');
  // The output policy, before any work: the input model, existing files without --force, a foreign folder.
  const weights = path.join(out, 'model.safetensors');
  const before = fs.readFileSync(weights);
  const small = ['prune', '--model', out, '--method', 'local', '--sparsity', '0.1', '--calib-samples', '2', '--calib-seqlen', '16'];
  const refuse: [string[], RegExp][] = [
    [['--trace', weights, '--force'], /--trace .*model\.safetensors: is inside the input folder/],
    [['--out', out], /--out .*pruned: is an input of this run/],
    [['--report', html], /--report .*report\.html: exists; pass --force/],
    [['--out', base], /--out .*: contains the input/],
  ];
  for (const [extra, msg] of refuse) {
    const x = await runCli([...small, ...extra]);
    assert.equal(x.code, 1, extra.join(' '));
    assert.match(x.err, msg);
    assert.doesNotMatch(x.err, /\.tmp|\.part/, 'no temp-file names in messages');
  }
  assert.deepEqual(fs.readFileSync(weights), before, 'the input model is untouched');
  // A second prune to an --out another run is writing is refused before it starts.
  const lock = acquireOutputLock(path.join(base, 'busy'));
  const busy = await runCli([...small, '--out', path.join(base, 'busy')]);
  lock.release();
  assert.equal(busy.code, 1);
  assert.match(busy.err, /--out .*busy: another run \(pid \d+/);
  const foreign = path.join(base, 'mine');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'config.json'), '{"user": true}');
  const f = await runCli(['convert', '--to', 'hf', '--out', foreign]);
  assert.equal(f.code, 1);
  assert.match(f.err, /--out .*mine: is a non-empty folder that does not hold a saved model \(config\.json\)/);
  assert.equal(fs.readFileSync(path.join(foreign, 'config.json'), 'utf8'), '{"user": true}');
  const asFile = await runCli(['convert', '--to', 'hf', '--out', trace]);
  assert.equal(asFile.code, 1);
  assert.match(asFile.err, /--out .*trace\.jsonl: exists and is not a folder/);
});

test("eval --text and prune --calib-text use the user's own UTF-8 text", async () => {
  const dir = tmpDir('sp-text-');
  const text = path.join(dir, 'story.txt');
  fs.writeFileSync(text, 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. '.repeat(30));
  const ev = await runCli(['eval', '--text', text, '--max-windows', '1', '--json']);
  assert.equal(ev.code, 0, ev.err);
  const j = JSON.parse(ev.out);
  assert.equal(j.dataset, text);
  assert.ok(j.ppl > 1 && j.ppl < 20, `ppl ${j.ppl} of repeated TinyStories-like text`);
  const pr = await runCli(['prune', '--method', 'local', '--sparsity', '0.2', '--calib-text', text, '--calib-samples', '4', '--calib-seqlen', '32', '--json']);
  assert.equal(pr.code, 0, pr.err);
  assert.equal(JSON.parse(pr.out).calibration.corpus, text);
  fs.writeFileSync(path.join(dir, 'bad.txt'), Buffer.from([0x4f, 0x6e, 0xff, 0xfe]));
  const bad = await runCli(['eval', '--text', path.join(dir, 'bad.txt')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /bad\.txt: not valid UTF-8/);
});

test('convert --to hf, then logits of the HF directory equal the llama2.c model', async () => {
  const out = path.join(tmpDir('sp-hf-'), 'hf');
  assert.equal((await runCli(['convert', '--to', 'hf', '--out', out])).code, 0);
  const a = JSON.parse((await runCli(['logits', '--ids', '1,403,407', '--json'])).out).logits;
  const b = JSON.parse((await runCli(['logits', '--model', out, '--ids', '1,403,407', '--json'])).out).logits;
  assert.deepEqual(a, b);
  assert.equal((await runCli(['convert', '--to', 'hf', '--out', out])).code, 0, 'an HF folder written by convert is replaced');
  for (const { method, r } of await quickPrunes(out)) {
    assert.equal(r.code, 0, `${method} on converted stories260K: ${r.err}`);
    assert.equal(JSON.parse(r.out).calibration.corpus, 'tinystories-train');
  }
});

test('fixture writes an OPT checkpoint that every pruning method accepts', async () => {
  const dir = path.join(tmpDir('sp-fx-'), 'opt');
  assert.equal((await runCli(['fixture', '--arch', 'opt', '--layers', '2', '--d-model', '64', '--seed', '0', '--out', dir])).code, 0);
  for (const { method, r } of await quickPrunes(dir)) {
    assert.equal(r.code, 0, `${method}: ${r.err}`);
    assert.ok(JSON.parse(r.out).params.pruned < JSON.parse(r.out).params.dense);
  }
});
