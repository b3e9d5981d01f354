// Allocation signals other than the mean-field energies, and the temperature search: every one meets the
// budget exactly (B ≤ removed cost < B + max unit cost), the search chooses the grid point with the lowest
// held-out loss (T = ∞ is uniform), and prune() with the "loss" weighting leaks no tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { fixtureModel } from '../../src/model/fixture';
import { moduleSpecs, totalUnitCost } from '../../src/prune/coupling';
import { prune } from '../../src/prune/prune';
import { collectStats } from '../../src/prune/stats';
import { buildProblems } from '../../src/prune/moduleProblems';
import { buildAdmmProblem } from '../../src/prune/admm/problem';
import { owlCounts, kindEnergies } from '../../src/prune/allocationVariants';
import { selectTemperature, meanWindowLoss } from '../../src/prune/temperature';
import { toDevice } from '../../src/model/device';
import { windowNll } from '../../src/eval/perplexity';
import { blockwiseOutputGradients } from '../../src/prune/blockBackward';
import { createRng } from '../../src/util/rng';
import { noLeaks } from '../helpers';

const V = 48;
const windowsOf = (n: number, T: number, seed: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: T }, () => rng.int(0, V - 1)));
};
const model = fixtureModel({ arch: 'llama', layers: 3, dModel: 32, nHeads: 4, vocabSize: V, maxSeq: 16, seed: 8, std: 0.2 });
const windows = windowsOf(4, 12, 1);
const heldOut = windowsOf(2, 12, 2);

function checkBudget(counts: number[], sparsity: number): void {
  const specs = moduleSpecs(model.config, model.weights);
  const total = totalUnitCost(specs);
  const removed = counts.reduce((a, k, m) => a + k * specs[m].unitCost, 0);
  const maxCost = Math.max(...specs.map((s) => s.unitCost));
  assert.ok(removed >= sparsity * total && removed < sparsity * total + maxCost, `removed ${removed}, budget ${sparsity * total}`);
  counts.forEach((k, m) => assert.ok(k >= 0 && k <= specs[m].units.length));
}

test('owl and kinds: exact budgets; kinds standardises each kind on its own', async () => {
  await initBackend();
  const stats = await collectStats(model, windows);
  const sens = await blockwiseOutputGradients(model, windows);
  const problems = await buildProblems(model, stats, { weighting: 'loss', sensitivity: sens });
  for (const s of [0.1, 0.3, 0.5]) {
    const o = owlCounts(problems, s * totalUnitCost(problems.map((p) => p.spec)));
    checkBudget(o.counts, s);
    assert.ok(o.outlierRatio.every((d) => d >= 0 && d <= 1));
  }
  const E = kindEnergies((await buildAdmmProblem(problems, 0.3, { allocation: 'fermi-dirac', iterations: 0 })).modules, 0.3);
  for (const kind of ['attn', 'ffn']) {
    const z = problems.map((p, i) => (p.spec.kind === kind ? E[i] : NaN)).filter((v) => !Number.isNaN(v));
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    assert.ok(Math.abs(mean) < 1e-9, `${kind}: mean ${mean}`);
  }
});

test('meanWindowLoss (block by block) equals the whole-model NLL of eval/perplexity', async () => {
  await initBackend();
  const dm = toDevice(model);
  let sum = 0;
  let n = 0;
  try {
    for (const ids of heldOut) {
      for (const v of await windowNll(dm, ids)) {
        sum += v;
        n++;
      }
    }
  } finally {
    dm.dispose();
  }
  const L = await noLeaks(() => meanWindowLoss(model, heldOut));
  assert.ok(Math.abs(L - sum / n) < 1e-5 * (sum / n), `${L} vs ${sum / n}`);
});

test('temperature search: picks the lowest held-out loss of the grid, T = ∞ is uniform', async () => {
  await initBackend();
  const stats = await collectStats(model, windows);
  const problems = await buildProblems(model, stats, {});
  const problem = await buildAdmmProblem(problems, 0.3, { allocation: 'fermi-dirac', iterations: 3 });
  const r = await noLeaks(() => selectTemperature(model, stats, problem, { heldOut, grid: [0.5, 2, Infinity] }));
  assert.deepEqual(r.grid, [0.5, 2, Infinity]);
  assert.equal(r.heldOutLoss.length, 3);
  assert.equal(r.chosen, r.grid[r.heldOutLoss.indexOf(Math.min(...r.heldOutLoss))]);
  assert.deepEqual(problem.counts, r.counts);
  checkBudget(r.counts, 0.3);
  const uniform = (await buildAdmmProblem(problems, 0.3, { allocation: 'uniform', iterations: 0 })).counts;
  const softmax = await buildAdmmProblem(problems, 0.3, { allocation: 'softmax', iterations: 1 });
  const inf = await noLeaks(() => selectTemperature(model, stats, softmax, { heldOut, grid: [Infinity] }));
  assert.deepEqual(inf.counts, uniform);
  await assert.rejects(selectTemperature(model, stats, problem, { heldOut: [] }), /heldOut/);
});

test('prune structprune with loss weighting, temperature search and each variant: exact budget, no leaks', async () => {
  await initBackend();
  for (const [allocation, variant] of [
    ['fermi-dirac', undefined],
    ['fermi-dirac', 'probe'],
    ['softmax', 'kinds'],
    ['uniform', 'owl'],
  ] as const) {
    const r = await noLeaks(() =>
      prune(model, {
        method: 'structprune',
        sparsity: 0.3,
        windows,
        weighting: 'loss',
        heldOut,
        temperatureSearch: { grid: [1, Infinity] },
        allocationVariant: variant,
        admm: { allocation, iterations: 2 },
      }),
    );
    const specs = moduleSpecs(model.config, model.weights);
    checkBudget(
      specs.map((s) => r.report.perModule.find((p) => p.id === s.id)!.removed),
      0.3,
    );
    if (allocation === 'fermi-dirac' && !variant) assert.equal(r.report.temperatureSearch?.heldOutLoss.length, 2);
  }
  await assert.rejects(prune(model, { method: 'structprune', sparsity: 0.3, windows, temperatureSearch: true, admm: { allocation: 'softmax' } }), /heldOut/);
  await assert.rejects(
    prune(model, { method: 'structprune', sparsity: 0.3, windows, allocationVariant: 'owl', admm: { allocation: 'threshold' } }),
    /variant "owl"/,
  );
});
