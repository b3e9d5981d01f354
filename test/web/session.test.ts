// The page's pruning session, run in Node: the same mask, report numbers and perplexity as prune() for
// the same calibration windows, no leaked tensors; step-by-step equals the one-call run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { stories260K, noLeaks } from '../helpers';
import { dataFile } from '../../src/data/datadir';
import { corpusIds } from '../../src/data/corpusIds';
import { calibrationWindows } from '../../src/data/calibrationWindows';
import { prune } from '../../src/prune/prune';
import { perplexity } from '../../src/eval/perplexity';
import { pageModel, calibrate, admmProblem, advance, running, stateMask, finalizeSession, pagePerplexity, pageGenerate } from '../../src/web/session';
import { generate } from '../../src/model/generate';

test('session: step-by-step ADMM + finalize equals prune() (mask, report, perplexity), without leaks', async () => {
  const loaded = await stories260K();
  const pm = pageModel(fs.readFileSync(await dataFile('stories260K')), fs.readFileSync(await dataFile('tok512')), {
    name: 'stories260K',
    sha256: loaded.model.source.sha256,
  });
  assert.deepEqual(pm.model.config, loaded.model.config);
  const ids = await corpusIds(pm.codec, 'tinystories-train');
  const spec = { samples: 6, seqlen: 64, seed: 3 };
  const ref = await calibrationWindows(loaded, spec);
  const sparsity = 0.4;
  for (const allocation of ['threshold', 'softmax'] as const) {
    const expected = await prune(loaded.model, { method: 'structprune', sparsity, windows: ref.windows, admm: { allocation, temperature: 0.5 } });
    const got = await noLeaks(async () => {
      const cal = await calibrate(pm, ids, 'tinystories-train', spec);
      assert.deepEqual(cal.windows, ref.windows);
      const problem = await admmProblem(cal, sparsity, { allocation, temperature: 0.5 });
      let state = null;
      let reports = 0;
      while (await running(problem, state)) {
        const next = await advance(problem, state);
        if (!next) break;
        state = next;
        assert.equal(state.reports.length, ++reports);
      }
      assert.ok(state && (await advance(problem, state)) === null, 'advance after the end returns null');
      return finalizeSession(pm, cal, problem, state!, { select: 0 });
    });
    for (const id of Object.keys(expected.mask)) assert.deepEqual(Array.from(got.mask[id]), Array.from(expected.mask[id]), `${allocation}: mask of ${id}`);
    assert.equal(got.report.sparsity, expected.report.sparsity);
    assert.deepEqual(got.report.params, expected.report.params);
    assert.deepEqual(got.report.perModule, expected.report.perModule);
    assert.equal((got.report.admm as { iterations: number }).iterations, expected.report.admm!.iterations);
    for (const k of Object.keys(expected.model.weights)) assert.deepEqual(got.model.weights[k].data, expected.model.weights[k].data, `${allocation}: ${k}`);
    if (allocation === 'threshold') {
      const val = await corpusIds(pm.codec, 'tinystories-val');
      const a = await noLeaks(() => pagePerplexity(got.model, val, 2));
      const b = await perplexity(expected.model, val, { maxWindows: 2 });
      assert.equal(a.ppl, b.ppl);
      assert.equal(a.windows, 2);
    }
  }
});

test('session: stateMask and pageGenerate match the library', async () => {
  const loaded = await stories260K();
  const pm = pageModel(fs.readFileSync(await dataFile('stories260K')), fs.readFileSync(await dataFile('tok512')), { name: 'stories260K' });
  const text = await noLeaks(() => pageGenerate(pm, pm.model, 'Once upon a time', { steps: 20, temperature: 0.8, seed: 7 }));
  const ids = await generate(loaded.model, { prompt: loaded.codec.encode('Once upon a time', { bos: true }), steps: 20, temperature: 0.8, seed: 7 });
  assert.equal(text, loaded.codec.decode(ids));
  const cal = await calibrate(pm, await corpusIds(pm.codec, 'tinystories-train'), 'tinystories-train', { samples: 2, seqlen: 32, seed: 0 });
  const problem = await admmProblem(cal, 0.2, {});
  const s0 = (await advance(problem, null))!;
  const mask = stateMask(problem, s0);
  assert.deepEqual(
    Object.keys(mask),
    problem.modules.map((m) => m.id),
  );
  problem.modules.forEach((m, i) => assert.equal(mask[m.id], s0.modules[i].removed));
});
