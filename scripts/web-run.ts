// Time the teaching page in headless Chromium and take its screenshot: start the page's server, load the
// page, press "Run to convergence" at s = 0.3 (threshold rule) from a fresh page (so calibration is
// included) for each calibration size, print the page's own timing (click → pruned model: calibration,
// ADMM, compensation, slicing; then evaluation + text) and the driver's wall time, and save a screenshot
// of the last run. After each browser run the same pruning runs in this Node process (`prune()`, what
// `structprune prune` runs, wasm backend) for an interleaved comparison: nodePruneSeconds. longestBlockedMs: the longest main-thread task during the run (how long the page could
// not react to input).
//   node --import tsx scripts/web-run.ts [--calib 16,64] [--screenshot docs/web-page.png]
// Needs /usr/bin/chromium (scripts/setup-browser.sh).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { chromium } from 'playwright-core';
import { startWebServer } from '../src/web/server';
import { loadModel } from '../src/model/load';
import { calibrationWindows } from '../src/data/calibrationWindows';
import { prune } from '../src/prune/prune';

type Hook = {
  structpruneWeb: {
    longestTaskMs(): number;
    result(): { ppl: number; densePpl: number; timing: { pruneSeconds: number; evalSeconds: number }; report: { admm: { iterations: number } } } | null;
    busy(): boolean;
  };
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calib: { type: 'string', default: '16,64' }, screenshot: { type: 'string', default: '' } } });
  const sizes = String(values.calib).split(',').map(Number);
  const web = await startWebServer({ port: 0 });
  const loaded = await loadModel('stories260K');
  const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'web-run-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1200, height: 1500 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && console.error(`page console error: ${m.text()}`));
    for (const samples of sizes) {
      const tLoad = Date.now();
      await page.goto(web.url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
      const loadSeconds = (Date.now() - tLoad) / 1000;
      await page.selectOption('#calib-samples', String(samples));
      await page.evaluate(() => (globalThis as unknown as Hook).structpruneWeb.longestTaskMs());
      const t0 = Date.now();
      await page.click('#btn-run');
      await page.waitForFunction(
        () => {
          const w = (globalThis as unknown as Hook).structpruneWeb;
          return w.result() !== null && !w.busy();
        },
        null,
        { timeout: 600_000 },
      );
      const wall = (Date.now() - t0) / 1000;
      const r = (await page.evaluate(() => (globalThis as unknown as Hook).structpruneWeb.result()))!;
      const longestTaskMs = await page.evaluate(() => (globalThis as unknown as Hook).structpruneWeb.longestTaskMs());
      const calib = await calibrationWindows(loaded, { samples, seqlen: 256, seed: 0 });
      const node = await prune(loaded.model, { method: 'structprune', sparsity: 0.3, windows: calib.windows, admm: { allocation: 'threshold' } });
      console.log(
        JSON.stringify({
          nodePruneSeconds: node.report.seconds.total,
          sparsity: 0.3,
          allocation: 'threshold',
          calibration: `${samples}x256`,
          pageLoadSeconds: loadSeconds,
          runToPrunedSeconds: r.timing.pruneSeconds,
          evalAndTextSeconds: r.timing.evalSeconds,
          driverWallSeconds: wall,
          longestBlockedMs: Math.round(longestTaskMs),
          iterations: r.report.admm.iterations,
          ppl: r.ppl,
          densePpl: r.densePpl,
        }),
      );
    }
    if (values.screenshot) {
      await page.screenshot({ path: String(values.screenshot), fullPage: true });
      console.log(`screenshot: ${values.screenshot} (${fs.statSync(String(values.screenshot)).size} bytes)`);
    }
  } finally {
    await context.close();
    await web.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
