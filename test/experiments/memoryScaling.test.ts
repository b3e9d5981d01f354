// The memory-scaling experiment: the power-law fit, the families' premises, points measured in this process
// and in a fresh one (identical peaks), and the CLI's --table output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { powerLawFit } from '../../src/util/numeric';
import { memoryExperiment, runMemoryPoint, runPointInFreshProcess, MemoryPointSpec } from '../../src/experiments/memoryScaling';
import { familyMembers, familyConfig, FamilyMember, OPT_SHAPES, PREMISE_DEPTH_DIVISOR } from '../../src/experiments/family';
import { configParams } from '../../src/experiments/memoryModel';
import { run as memoryCli } from '../../src/cli/commands/memory';
import { UsageError } from '../../src/errors';

const tiny = (label: string, layers: number, d: number): FamilyMember => ({
  family: 'opt',
  label,
  arch: 'opt',
  layers,
  dModel: d,
  nHeads: d / 16,
  dFF: 4 * d,
  vocabSize: 64,
  maxSeq: 16,
});

test('powerLawFit recovers exponents exactly and reports r² < 1 on noisy data', () => {
  const xs = [1e3, 5e3, 2e4, 1e5, 7e5];
  for (const k of [0.5, 1, 0.76]) {
    const f = powerLawFit(
      xs,
      xs.map((x) => 3.5 * x ** k),
    );
    assert.ok(Math.abs(f.exponent - k) < 1e-12 && Math.abs(f.intercept - Math.log(3.5)) < 1e-9 && Math.abs(f.r2 - 1) < 1e-12);
  }
  const noisy = powerLawFit(
    xs,
    xs.map((x, i) => x * (i % 2 ? 1.5 : 0.7)),
  );
  assert.ok(noisy.r2 < 0.99 && noisy.r2 > 0.5, `r² ${noisy.r2}`);
  assert.throws(() => powerLawFit([1], [1]), /≥ 2/);
  assert.throws(() => powerLawFit([1, 2], [0, 1]), /> 0/);
});

test('families: L ∝ d² with ≥ 5 sizes over ≥ 30× in N; opt-real has per-layer size ∝ N^≈0.76', () => {
  for (const family of ['llama', 'opt'] as const) {
    const ms = familyMembers(family);
    assert.ok(ms.length >= 5);
    for (const m of ms) assert.equal(m.layers * PREMISE_DEPTH_DIVISOR, m.dModel * m.dModel, m.label);
    const n = ms.map((m) => configParams(familyConfig(m)).total);
    assert.ok(n[n.length - 1] / n[0] >= 30, `${family} spans ${n[n.length - 1] / n[0]}×`);
    // per-layer parameters ∝ √N on the premise family
    const perLayer = powerLawFit(
      n,
      ms.map((m) => configParams(familyConfig(m)).perLayer[0]),
    );
    assert.ok(Math.abs(perLayer.exponent - 0.5) < 0.03, `${family} per-layer exponent ${perLayer.exponent}`);
  }
  const real = familyMembers('opt-real');
  assert.equal(real.length, OPT_SHAPES.length);
  real.forEach((m, i) => assert.deepEqual([m.dModel * 64, m.layers, m.nHeads * 4], OPT_SHAPES[i].slice(1)));
  const n = real.map((m) => configParams(familyConfig(m)).total);
  const perLayer = powerLawFit(
    n,
    real.map((m) => configParams(familyConfig(m)).perLayer[0]),
  );
  assert.ok(perLayer.exponent > 0.7 && perLayer.exponent < 0.82, `opt-real per-layer exponent ${perLayer.exponent}`);
  assert.throws(() => familyMembers('opt', { sizes: 99 }), /sizes/);
  assert.throws(() => familyMembers('gpt' as never), /family/);
});

test('in-process experiment: both methods at every point, model within 25 %, global grows faster', async () => {
  await initBackend();
  const r = await memoryExperiment({ family: 'opt', members: [tiny('a', 1, 32), tiny('b', 3, 48)], freshProcess: false, samples: 2, seqlen: 8 });
  assert.equal(r.family, 'custom');
  assert.equal(r.points.length, 4);
  for (const p of r.points) {
    assert.ok(p.peakBytes > 0 && p.maxRssBytes > 0 && p.params > 0);
    assert.ok(Math.abs(p.measuredOverPredicted - 1) < 0.25, `${p.label} ${p.method}: ${p.measuredOverPredicted}`);
  }
  const [ga, sa, gb, sb] = r.points;
  assert.deepEqual([ga.method, sa.method, gb.method, sb.method], ['global', 'structprune', 'global', 'structprune']);
  assert.ok(gb.peakBytes > sb.peakBytes);
  assert.ok(r.fit.global!.exponent > r.fit.structprune!.exponent, JSON.stringify(r.fit));
  assert.ok(r.maxModelError < 0.25);
});

test('a point in a fresh process measures the same peak as in this one', async () => {
  await initBackend();
  const spec: MemoryPointSpec = { member: tiny('c', 2, 32), method: 'structprune', seed: 0, samples: 2, seqlen: 8, sparsity: 0.3, iterations: 1 };
  const here = await runMemoryPoint(spec);
  const fresh = await runPointInFreshProcess(spec, { timeoutMs: 120_000 });
  assert.equal(fresh.peakBytes, here.peakBytes);
  assert.equal(fresh.peakNewBufferBytes, here.peakNewBufferBytes);
  assert.equal(fresh.params, here.params);
  assert.deepEqual(fresh.config, here.config);
});

test('CLI: memory --table --json prints the analytic rows; a bad family is a usage error', async () => {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
  try {
    assert.equal(await memoryCli(['--table', '--seqlen', '512', '--json']), 0);
  } finally {
    process.stdout.write = write;
  }
  const j = JSON.parse(chunks.join(''));
  assert.equal(j.rows.length, 11);
  assert.equal(j.rows[0].model, 'OPT-125M');
  assert.equal(j.rows[0].seqlen, 512);
  await assert.rejects(memoryCli(['--family', 'gpt2']), UsageError);
  await assert.rejects(memoryCli(['--family', 'opt', '--sizes', '9']), UsageError);
  await assert.rejects(memoryCli(['--family', 'opt', '--methods', 'local']), UsageError);
});
