// The notebooks, headless, as part of the test suite (and alone: `npm run test:notebooks`):
// 1. the DOM check itself can fail: a page whose plot divs claim more traces than drawn is rejected;
// 2. every notebook in notebooks/ executes top to bottom on the repo's kernel (kernel/), its HTML renders in
//    headless Chromium and every plot draws its traces (scripts/run-notebooks.py; executed notebooks and
//    HTML land in runs/notebooks/);
// (kernel conformance and features: test/kernel/kernel.test.ts.)
// Needs Debian's Jupyter pieces and Chromium (scripts/setup-jupyter.sh, which .ci/run calls). Without them
// the tests are skipped with the fix, except under CI=true, where they fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runEchoed } from '../helpers';
import { writeHtmlPage } from '../../src/plot/html';
import { PlotSpec } from '../../src/plot/spec';

const root = path.resolve(__dirname, '..', '..');
const PY = '/usr/bin/python3';
const RUNNER = path.join(root, 'scripts', 'run-notebooks.py');

/** Why the notebook tests cannot run here (null: they can). */
function missing(): string | null {
  if (!fs.existsSync(PY)) return `${PY} not found`;
  const r = spawnSync(PY, ['-c', 'import nbclient, nbconvert, jupyter_kernel_test'], { encoding: 'utf8' });
  if (r.status !== 0) return `Jupyter modules missing under ${PY}`;
  const c = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  if (c.status !== 0) return 'chromium not found';
  if (!fs.existsSync(path.join(root, 'node_modules', 'zeromq'))) return 'the kernel\'s npm pieces are not installed (npm ci)';
  return null;
}
const why = missing();
const skip = why && process.env.CI !== 'true' ? `${why}: run scripts/setup-jupyter.sh` : false;


/** The closing `N passed, N failed` line of a runner. */
function tally(out: string): { passed: number; failed: number } {
  const m = /(\d+) passed, (?:(\d+) known deviations, )?(\d+) failed\s*$/.exec(out.trim());
  assert.ok(m, `no closing "N passed, N failed" line in:\n${out.slice(-2000)}`);
  return { passed: Number(m[1]), failed: Number(m[3]) };
}

test('the DOM check rejects a plot that drew fewer traces than its spec, and passes an honest one', { skip, timeout: 180_000 }, async () => {
  assert.equal(why, null, why ?? '');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-dom-'));
  try {
    const spec: PlotSpec = { data: [{ type: 'scatter', mode: 'markers', x: [1, 2, 3], y: [3, 1, 2] }, { type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: { text: 'dom check' } } };
    const good = path.join(dir, 'good.html');
    const bad = path.join(dir, 'bad.html');
    writeHtmlPage(good, 'good', [{ spec }]);
    fs.writeFileSync(bad, fs.readFileSync(good, 'utf8').replace('data-traces="2"', 'data-traces="3"'));
    const r = await runEchoed(PY, [RUNNER, '--check-html', good, bad], 170_000);
    assert.match(r.out, /PASS .*good\.html {2}1 plots drawn/);
    assert.match(r.out, /FAIL .*bad\.html\n {2}plot-0: drew 2 traces \/ 5 points, spec has 3 \/ 5/);
    assert.deepEqual(tally(r.out), { passed: 1, failed: 1 });
    assert.equal(r.code, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every notebook runs headless top to bottom and every plot draws in Chromium', { skip, timeout: 20 * 60_000 }, async () => {
  assert.equal(why, null, why ?? '');
  const notebooks = fs.readdirSync(path.join(root, 'notebooks')).filter((f) => f.endsWith('.ipynb'));
  assert.ok(notebooks.length >= 6, `expected the six notebooks, found ${notebooks.join(', ')}`);
  const r = await runEchoed(PY, [RUNNER, '-v', '--out', path.join(root, 'runs', 'notebooks')], 19 * 60_000);
  assert.deepEqual(tally(r.out), { passed: notebooks.length, failed: 0 });
  assert.equal(r.code, 0);
});
