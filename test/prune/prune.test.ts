// The prune verb on the real stories260K with a small calibration set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { stories260K, noLeaks, maxAbsDiff, logitsOf, tmpDir } from '../helpers';
import { prune, PruneOptions } from '../../src/prune/prune';
import { calibrationWindows } from '../../src/data/calibrationWindows';
import { moduleSpecs } from '../../src/prune/coupling';
import { savePruned, loadPruned } from '../../src/model/pruned';
import { loadModel } from '../../src/model/load';

const IDS = [1, 403, 407, 261, 378, 432, 383, 286];
const windows = async (seed = 0) => (await calibrationWindows(await stories260K(), { samples: 8, seqlen: 64, seed })).windows;

for (const method of ['local', 'global-threshold', 'structprune'] as const) {
  test(`${method}: meets the budget, slices, leaks nothing`, async () => {
    const { model } = await stories260K();
    const r = await noLeaks(async () => prune(model, { method, sparsity: 0.3, windows: await windows(), admm: { iterations: 6 } }));
    const specs = moduleSpecs(model.config, model.weights);
    const maxCost = Math.max(...specs.map((s) => s.unitCost));
    const total = specs.reduce((a, s) => a + s.units.length * s.unitCost, 0);
    assert.ok(r.report.sparsity >= 0.3 - 1e-12 && r.report.sparsity < 0.3 + maxCost / total, `sparsity ${r.report.sparsity}`);
    assert.ok(r.report.params.pruned < r.report.params.dense);
    assert.equal(r.model.config.layers!.length, 5);
    assert.ok(Number.isFinite(logitsOf(r.model, IDS)[0]));
  });
}

test('same seed → same masks and weights; another seed → other windows', async () => {
  const { model } = await stories260K();
  const opts = async (seed: number): Promise<PruneOptions> => ({ method: 'structprune', sparsity: 0.4, windows: await windows(seed), admm: { iterations: 5 } });
  const a = await prune(model, await opts(0));
  const b = await prune(model, await opts(0));
  for (const k of Object.keys(a.mask)) assert.deepEqual(Array.from(a.mask[k]), Array.from(b.mask[k]));
  assert.deepEqual(logitsOf(a.model, IDS), logitsOf(b.model, IDS));
  assert.notDeepEqual(await windows(0), await windows(1));
});

test('a killed StructPrune run resumes from its checkpoint and ends identical to an uninterrupted run', async () => {
  const { model } = await stories260K();
  const w = await windows();
  const base: PruneOptions = { method: 'structprune', sparsity: 0.4, windows: w, admm: { iterations: 8, patience: 100 } };
  const full = await prune(model, base);
  const dir = tmpDir('sp-ckpt-');
  let seen = 0;
  await assert.rejects(
    prune(model, {
      ...base,
      checkpoint: dir,
      onReport: (r) => {
        if (r.iteration === 4 && ++seen) throw new Error('killed');
      },
    }),
    /killed/,
  );
  assert.ok(fs.existsSync(path.join(dir, 'state.json')));
  const resumedReports: number[] = [];
  const resumed = await prune(model, { ...base, checkpoint: dir, onReport: (r) => resumedReports.push(r.iteration) });
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).iteration, 8);
  assert.deepEqual(resumedReports, [0, 1, 2, 3, 4, 5, 6, 7, 8]); // 0–3 replayed from the checkpoint
  for (const k of Object.keys(full.mask)) assert.deepEqual(Array.from(resumed.mask[k]), Array.from(full.mask[k]));
  assert.equal(maxAbsDiff(logitsOf(resumed.model, IDS), logitsOf(full.model, IDS)), 0);
  await assert.rejects(prune(model, { ...base, sparsity: 0.5, checkpoint: dir }), /different run/);
});

test('sequential refit keeps the mask and lowers the reconstruction error on the calibration windows', async () => {
  const { model } = await stories260K();
  const w = await windows();
  const a = await prune(model, { method: 'local', sparsity: 0.3, windows: w });
  const b = await prune(model, { method: 'local', sparsity: 0.3, windows: w, sequential: true });
  for (const k of Object.keys(a.mask)) assert.deepEqual(Array.from(a.mask[k]), Array.from(b.mask[k]));
  const err = (m: typeof model) =>
    w.reduce((e, ids) => {
      const x = logitsOf(m, ids);
      const y = logitsOf(model, ids);
      return e + x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0);
    }, 0);
  const [ea, eb] = [err(a.model), err(b.model)];
  assert.ok(eb < ea, `sequential ${eb} ≥ one-shot ${ea}`);
});

test('saved → loaded gives identical logits; the input model is not overwritten', async () => {
  const loaded = await stories260K();
  const r = await prune(loaded.model, { method: 'local', sparsity: 0.2, windows: await windows() });
  const dir = path.join(tmpDir('sp-save-'), 'out');
  savePruned({ ...loaded, model: r.model }, dir, { report: r.report });
  for (const f of ['model.safetensors', 'config.json', 'report.json', 'tokenizer.bin']) assert.ok(fs.existsSync(path.join(dir, f)), f);
  const back = await loadModel(dir);
  assert.equal(back.model.source.format, 'pruned');
  assert.deepEqual(back.model.config, r.model.config);
  assert.equal(maxAbsDiff(logitsOf(back.model, IDS), logitsOf(r.model, IDS)), 0);
  assert.deepEqual(back.codec.encode('Once upon a time'), loaded.codec.encode('Once upon a time'));
  // saving again into the same directory works; into a foreign non-empty directory does not
  savePruned({ ...loaded, model: r.model }, dir, { report: r.report });
  const foreign = tmpDir('sp-foreign-');
  fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
  assert.throws(() => savePruned({ ...loaded, model: r.model }, foreign, { report: r.report }), /refusing to overwrite/);
  assert.throws(() => savePruned({ ...back, model: { ...back.model } }, dir, { report: r.report }), /is an input of this run/);
  // A save killed between its two folder renames (old model moved aside, new one not yet in place): loading
  // the path puts the previous model back.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  fs.renameSync(dir, path.join(path.dirname(dir), `.${path.basename(dir)}.${dead}.0123456789ab.old`));
  const restored = await loadModel(dir);
  assert.deepEqual(restored.model.config, r.model.config);
  assert.deepEqual(fs.readdirSync(path.dirname(dir)), [path.basename(dir)]);
});

test('loading a damaged saved model fails with a clear error', async () => {
  const loaded = await stories260K();
  const r = await prune(loaded.model, { method: 'local', sparsity: 0.2, windows: await windows() });
  const dir = path.join(tmpDir('sp-bad-'), 'm');
  savePruned({ ...loaded, model: r.model }, dir, { report: r.report });
  const cfgFile = path.join(dir, 'config.json');
  const good = fs.readFileSync(cfgFile, 'utf8');
  fs.writeFileSync(cfgFile, good.slice(0, 40));
  assert.throws(() => loadPruned(dir), /config.json: not valid JSON/);
  const cfg = JSON.parse(good);
  cfg.config.layers[0].ffn.pop();
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  assert.throws(() => loadPruned(dir), /layers\.0\.ffn\.(gate|up|down)" has shape/);
  fs.writeFileSync(cfgFile, good);
  const st = path.join(dir, 'model.safetensors');
  const bytes = fs.readFileSync(st);
  fs.writeFileSync(st, bytes.subarray(0, bytes.length - 100));
  assert.throws(() => loadPruned(dir), /model\.safetensors/);
});
