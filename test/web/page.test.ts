// End to end in real headless Chromium (Debian's /usr/bin/chromium, scripts/setup-browser.sh, driven by
// playwright-core): `structprune web` on a free 127.0.0.1 port, the page loads stories260K, steps the
// ADMM 3 times (3 trace points), runs to convergence at s = 0.3 with the threshold rule, and its mask and
// perplexity equal `structprune prune … --json` for the same calibration seed and windows; the downloaded
// model loads in `structprune eval --model DIR` with the same perplexity. Once loaded, the page works offline
// (the browser context is offline for the whole pruning run and the download). Fails on any console error or
// page error, and on any request outside the page's origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { chromium, BrowserContext, Page } from 'playwright-core';
import { tmpDir } from '../helpers';
import { readSafetensors } from '../../src/io/safetensorsReader';
import { extractZipMember } from '../../src/data/zip';

const BIN = path.join(__dirname, '..', '..', 'bin', 'structprune.js');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SETTINGS = { sparsity: '0.3', allocation: 'threshold', samples: '16', seqlen: '256', seed: '0', windows: '4' };

/** Run the CLI to completion (async, so the browser works meanwhile). */
function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Start `structprune web --port 0 --json`; resolves with the child and the URL it printed. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'web', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`structprune web printed no URL in 60 s: ${err}`)), 60_000);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ child, url: JSON.parse(line).url });
      }
    });
    child.on('exit', (code) => reject(new Error(`structprune web exited with ${code}: ${err}`)));
  });
}

async function idle(page: Page): Promise<void> {
  await page.waitForFunction(() => !(globalThis as unknown as { structpruneWeb: { busy(): boolean } }).structpruneWeb.busy(), null, { timeout: 300_000 });
}

type Hook = {
  structpruneWeb: {
    mask(): Record<string, number[]> | null;
    trace(): unknown[];
    result(): { ppl: number; densePpl: number; windows: number; timing: { pruneSeconds: number }; report: { sparsity: number } } | null;
    busy(): boolean;
  };
};

test('the page prunes stories260K in Chromium like the CLI, offline and without console errors', { timeout: 600_000 }, async (t) => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup-browser.sh`);
  const work = tmpDir('web-e2e');
  const ckpt = path.join(work, 'ckpt');
  // The CLI reference runs while the browser works.
  const reference = cli([
    'prune',
    '--method',
    'structprune',
    '--sparsity',
    SETTINGS.sparsity,
    '--allocation',
    SETTINGS.allocation,
    '--calib-samples',
    SETTINGS.samples,
    '--calib-seqlen',
    SETTINGS.seqlen,
    '--seed',
    SETTINGS.seed,
    '--eval',
    'tinystories-val',
    '--max-windows',
    SETTINGS.windows,
    '--checkpoint',
    ckpt,
    '--json',
  ]);
  const { child, url } = await startServer();
  const origin = new URL(url).origin;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  let context: BrowserContext | null = null;
  try {
    context = await chromium.launchPersistentContext(tmpDir('web-chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      acceptDownloads: true,
      viewport: { width: 1300, height: 1700 },
    });
    const errors: string[] = [];
    const outside: string[] = [];
    context.on('request', (r) => {
      const u = r.url();
      if (!(u.startsWith(origin + '/') || u.startsWith('blob:') || u.startsWith('data:'))) outside.push(u);
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));

    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 180_000 });
    await context.setOffline(true); // everything from here on must work without the network
    const before = errors.length;
    assert.equal(
      await page.evaluate("fetch('/data/manifest.json', { cache: 'no-store' }).then(() => 'online', () => 'offline')"),
      'offline',
      'offline emulation is on',
    );
    await page.waitForTimeout(200);
    errors.splice(before, errors.length - before, ...errors.slice(before).filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e))); // the probe's own
    // A string, not a function: tsx's transpiled helpers (__name) do not exist in the page.
    await page.evaluate(`(() => {
      const s = ${JSON.stringify(SETTINGS)};
      for (const [id, v, ev] of [['sparsity', s.sparsity, 'input'], ['allocation', s.allocation, 'change'], ['calib-samples', s.samples, 'change'],
        ['calib-seqlen', s.seqlen, 'change'], ['calib-seed', s.seed, 'change'], ['val-windows', s.windows, 'change']]) {
        const el = document.getElementById(id);
        el.value = v;
        el.dispatchEvent(new Event(ev));
      }
    })()`);
    assert.equal(await page.inputValue('#sparsity'), SETTINGS.sparsity);

    for (let i = 1; i <= 3; i++) {
      await page.click('#btn-step');
      await page.waitForFunction((n) => (globalThis as unknown as Hook).structpruneWeb.trace().length === n, i, { timeout: 300_000 });
      await idle(page);
    }
    assert.equal((await page.evaluate(() => (globalThis as unknown as Hook).structpruneWeb.trace())).length, 3);
    const plotted = await page.evaluate(
      () =>
        ((globalThis as unknown as { document: { getElementById(id: string): unknown } }).document.getElementById('plot-trace') as { data: { x: unknown[] }[] })
          .data[0].x.length,
    );
    assert.equal(plotted, 3, 'the ADMM trace plot has 3 points');

    await page.click('#btn-run');
    await page.waitForFunction(() => (globalThis as unknown as Hook).structpruneWeb.result() !== null, null, { timeout: 300_000 });
    await idle(page);
    const mask = (await page.evaluate(() => (globalThis as unknown as Hook).structpruneWeb.mask()))!;
    const res = (await page.evaluate(() => (globalThis as unknown as Hook).structpruneWeb.result()))!;
    t.diagnostic(
      `browser: run (after 3 steps) → pruned in ${res.timing.pruneSeconds.toFixed(2)} s; ppl ${res.ppl} (dense ${res.densePpl}) on ${res.windows} windows`,
    );
    assert.equal(res.windows, Number(SETTINGS.windows));
    assert.equal(await page.textContent('#ppl-pruned'), res.ppl.toFixed(4));

    const zipFile = path.join(work, 'pruned.zip');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    await download.saveAs(zipFile);
    await page.screenshot({ path: path.join(work, 'page.png'), fullPage: true });

    // The CLI on the same calibration: identical mask (from its ADMM checkpoint), same perplexity.
    const ref = await reference;
    assert.equal(ref.code, 0, ref.err);
    const report = JSON.parse(ref.out);
    const cliPpl = report.perplexity['tinystories-val'];
    assert.ok(Math.abs(res.ppl - cliPpl) <= 1e-4 * cliPpl, `page ppl ${res.ppl} vs CLI ${cliPpl}`);
    assert.equal(res.report.sparsity, report.sparsity);
    const state = JSON.parse(fs.readFileSync(path.join(ckpt, 'state.json'), 'utf8'));
    assert.equal(state.converged, true);
    const { tensors } = readSafetensors(path.join(ckpt, state.file));
    assert.deepEqual(Object.keys(mask).sort(), state.modules.map((m: { id: string }) => m.id).sort());
    for (const m of state.modules as { id: string }[]) assert.deepEqual(mask[m.id], Array.from(tensors[`${m.id}.removed`].data), `mask of ${m.id}`);

    // The download is a saved model directory that the CLI evaluates to the page's perplexity.
    const dir = path.join(work, 'model');
    fs.mkdirSync(dir);
    const zip = fs.readFileSync(zipFile);
    for (const name of ['config.json', 'model.safetensors', 'report.json', 'tokenizer.bin'])
      fs.writeFileSync(path.join(dir, name), extractZipMember(zip, name));
    const ev = await cli(['eval', '--model', dir, '--dataset', 'tinystories-val', '--max-windows', SETTINGS.windows, '--json']);
    assert.equal(ev.code, 0, ev.err);
    const evPpl = JSON.parse(ev.out).ppl;
    assert.ok(Math.abs(evPpl - res.ppl) <= 1e-4 * res.ppl, `eval of the download ${evPpl} vs page ${res.ppl}`);

    await context.setOffline(false);
    assert.deepEqual(errors, [], 'console errors');
    assert.deepEqual(outside, [], 'requests outside the origin');
  } finally {
    await context?.close();
    child.kill('SIGTERM');
  }
});
