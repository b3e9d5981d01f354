// The analytic memory model: parameter counts from the config equal the built models' and the published
// ones; predicted peaks match the meter's within 25 % for both methods (global's backward pass, structprune's
// statistics and ADMM phases, GQA); the table is consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { fixtureModel } from '../../src/model/fixture';
import { countParams } from '../../src/model/hostTensor';
import { prune } from '../../src/prune/prune';
import { predictPeak, configParams, memoryTable, REAL_CONFIGS } from '../../src/experiments/memoryModel';
import { randomWindows } from '../../src/experiments/memoryScaling';
import { setBlas } from '../../src/linalg/blas';
import { setAttention } from '../../src/model/attentionFused';
import { blockwiseOutputGradients } from '../../src/prune/blockBackward';
import { startMemoryMeter } from '../../src/util/memoryMeter';

// The analytic model describes the tfjs device path (as runMemoryPoint measures it): host OpenBLAS and the fused
// CPU attention move work off the device, so this file pins them off.
setBlas('ts');
setAttention('tfjs');

test('configParams equals countParams of built models (tied/untied, GQA, OPT-350M style)', () => {
  const cases = [
    fixtureModel({ arch: 'opt', layers: 2, dModel: 32, seed: 0 }),
    fixtureModel({ arch: 'opt', layers: 2, dModel: 32, seed: 0, wordEmbedProjDim: 16, doLayerNormBefore: false }),
    fixtureModel({ arch: 'llama', layers: 3, dModel: 48, nHeads: 6, nKvHeads: 2, seed: 0 }),
    fixtureModel({ arch: 'llama', layers: 1, dModel: 32, seed: 0, tiedEmbeddings: true }),
  ];
  for (const m of cases) {
    const p = configParams(m.config);
    assert.equal(p.total, countParams(m.weights), m.source.name);
    const l0 = Object.keys(m.weights)
      .filter((k) => k.startsWith('layers.0.'))
      .reduce((a, k) => a + m.weights[k].data.length, 0);
    assert.equal(p.perLayer[0], l0);
  }
});

test('published configurations have their published sizes', () => {
  const published: Record<string, number> = {
    'OPT-125M': 125.2e6,
    'OPT-350M': 331.2e6,
    'OPT-1.3B': 1.316e9,
    'OPT-2.7B': 2.652e9,
    'OPT-6.7B': 6.658e9,
    'OPT-13B': 12.853e9,
    'OPT-30B': 29.975e9,
    'OPT-66B': 65.72e9,
    'LLaMA-2-7B': 6.738e9,
    'LLaMA-2-13B': 13.016e9,
    'LLaMA-2-70B': 68.977e9,
  };
  for (const { name, config } of REAL_CONFIGS) {
    const n = configParams(config).total;
    assert.ok(Math.abs(n / published[name] - 1) < 0.002, `${name}: ${n}`);
  }
});

test('predicted peaks match the meter within 25 % (both methods, loss-aware and relative weights, every phase that can peak)', async () => {
  await initBackend();
  const cases: { arch: 'opt' | 'llama'; layers: number; dModel: number; nHeads: number; nKvHeads?: number; T: number; phase: string }[] = [
    { arch: 'opt', layers: 3, dModel: 48, nHeads: 3, T: 8, phase: 'admm' },
    { arch: 'llama', layers: 3, dModel: 48, nHeads: 3, T: 8, phase: 'stats' }, // two-product ADMM (2F² + 2F·d) stays below a LLaMA block's statistics
    { arch: 'opt', layers: 2, dModel: 32, nHeads: 4, T: 48, phase: 'stats' },
    { arch: 'llama', layers: 2, dModel: 32, nHeads: 4, nKvHeads: 2, T: 40, phase: 'stats' },
  ];
  const errors: string[] = [];
  for (const c of cases) {
    const model = fixtureModel({
      arch: c.arch,
      layers: c.layers,
      dModel: c.dModel,
      nHeads: c.nHeads,
      nKvHeads: c.nKvHeads,
      vocabSize: 64,
      maxSeq: 64,
      seed: 1,
    });
    const windows = randomWindows(2, c.T, 64, 3);
    // structprune by default (loss-aware: its block-wise backward peaks) and with METHOD.md's relative weights
    const runs = [
      { method: 'global', lossAware: false, phase: 'taylor' },
      { method: 'structprune', lossAware: true, phase: 'sensitivity' },
      { method: 'structprune', lossAware: false, phase: c.phase },
    ] as const;
    for (const { method, lossAware, phase } of runs) {
      const weighting = method === 'structprune' && !lossAware ? ('relative' as const) : undefined;
      const r = await prune(model, { method, sparsity: 0.3, windows, weighting, admm: { iterations: 1 } });
      const p = predictPeak(model.config, { seqlen: c.T }, method, { lossAware });
      const label = `${c.arch} L${c.layers} d${c.dModel} T${c.T} ${method}${weighting ? ` (${weighting})` : ''}`;
      assert.equal(p.phase, phase, `${label}: phase`);
      for (const measured of [r.report.memory.peakNewBufferBytes, r.report.memory.peakBytes]) {
        const ratio = measured / p.peakBytes;
        if (Math.abs(ratio - 1) > 0.25) errors.push(`${label}: measured ${measured}, predicted ${p.peakBytes}`);
      }
    }
  }
  assert.deepEqual(errors, []);
});

test('the loss-aware LM head in chunks of positions: the meter matches the prediction within 25 %, and chunks cut the peak', async () => {
  await initBackend();
  // A vocabulary large enough for the head to peak: 4096 × 64 positions.
  const T = 64;
  const errors: string[] = [];
  for (const arch of ['llama', 'opt'] as const) {
    const model = fixtureModel({ arch, layers: 1, dModel: 32, nHeads: 4, vocabSize: 4096, maxSeq: T, seed: 1 });
    const windows = randomWindows(2, T, 4096, 3);
    const peak: Record<number, number> = {};
    for (const headChunk of [T, 8]) {
      const meter = startMemoryMeter();
      await blockwiseOutputGradients(model, windows, { headChunk });
      peak[headChunk] = meter.stop().peakBytes;
      const p = predictPeak(model.config, { seqlen: T }, 'structprune', { headChunk });
      assert.equal(p.phase, 'sensitivity', `${arch} chunk ${headChunk}: phase`);
      const ratio = peak[headChunk] / p.phases.sensitivity!;
      if (Math.abs(ratio - 1) > 0.25) errors.push(`${arch} chunk ${headChunk}: measured ${peak[headChunk]}, predicted ${p.phases.sensitivity}`);
    }
    assert.ok(peak[8] < 0.4 * peak[T], `${arch}: chunks of 8 positions peak at ${peak[8]} B, the whole window at ${peak[T]} B`);
  }
  assert.deepEqual(errors, []);
  // OPT-125M at 2048-token windows: the default chunks (83 positions) remove the head's O(V·T) from the peak.
  const opt125 = REAL_CONFIGS.find((c) => c.name === 'OPT-125M')!.config;
  const whole = predictPeak(opt125, { seqlen: 2048 }, 'structprune', { headChunk: 2048 });
  const chunked = predictPeak(opt125, { seqlen: 2048 }, 'structprune');
  assert.ok(chunked.peakBytes < 0.5 * whole.peakBytes, `OPT-125M: ${chunked.peakBytes} B chunked vs ${whole.peakBytes} B whole`);
});

test('the table: fp16 halves fp32, global exceeds its weights and structprune, sizes grow', () => {
  const rows = memoryTable();
  assert.equal(rows.length, REAL_CONFIGS.length);
  for (const r of rows) {
    assert.equal(r.global.fp16 * 2, r.global.fp32);
    assert.equal(r.structprune.fp16 * 2, r.structprune.fp32);
    assert.ok(r.global.fp32 > r.global.weightsFp32 && r.global.weightsFp32 >= 8 * r.params, r.model);
    assert.ok(r.ratio > 1, r.model);
  }
  const opt = REAL_CONFIGS.filter((r) => r.name.startsWith('OPT'));
  const peak = (c: (typeof opt)[number], method: 'global' | 'structprune', lossAware = false) =>
    predictPeak(c.config, { seqlen: 2048 }, method, { lossAware }).peakBytes;
  // global and StructPrune's block-resident phases grow with size; the loss-aware backward adds the LM head of one
  // window under the tape, O(V·T) and the same at every depth (OPT-350M's 512-wide projected embedding makes it smaller there)
  for (let i = 1; i < opt.length; i++)
    assert.ok(peak(opt[i], 'global') > peak(opt[i - 1], 'global') && peak(opt[i], 'structprune') > peak(opt[i - 1], 'structprune'), opt[i].name);
  for (const c of opt) assert.ok(peak(c, 'structprune', true) >= peak(c, 'structprune'), c.name);
  assert.throws(() => predictPeak(REAL_CONFIGS[0].config, { seqlen: 1 }, 'global'), /seqlen/);
  assert.throws(() => predictPeak(REAL_CONFIGS[0].config, { seqlen: 8 }, 'local' as never), /method/);
});
