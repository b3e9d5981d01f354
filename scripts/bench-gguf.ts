// Speed of pruned models where users run them: llama.cpp (node-llama-cpp, CPU, 1 thread), dense vs pruned
// GGUF exports, prompt processing (pp) and generation (tg) tokens/s, interleaved rounds (dense, s1, s2, dense,
// …) so that load from other jobs hits every model alike; in each round every model is timed `--repeats`
// times in one process and the best is kept (other jobs only ever slow a run down); each round's
// pruned/dense ratio, then the median over rounds.
//
//   node --import tsx scripts/bench-gguf.ts --model stories260K [--method structprune] [--sparsities 0.3,0.5]
//   node --import tsx scripts/bench-gguf.ts --model big [--method local]   # LLaMA-shaped fixture d 1024, 16 layers, FFN 2816, 16/4 heads
// --method random: every module loses round(s · units) units chosen by a seeded draw (no calibration): the
// same widths as `local`'s per-module counts give, in seconds instead of a full prune — speed depends on the
// widths only, not on which units were kept.
// Options: --rounds 5 --repeats 3 --pp 256 --tg 64 --samples 16 --seqlen 128 (calibration) --out DIR (GGUF files kept there).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel } from '../src/model/load';
import { LoadedModel } from '../src/model/codec';
import { fixtureModel } from '../src/model/fixture';
import { countParams } from '../src/model/hostTensor';
import { prune, PruneMethod } from '../src/prune/prune';
import { sliceModel, RemovedMask } from '../src/prune/slice';
import { Model } from '../src/model/model';
import { createRng } from '../src/util/rng';
import { sampleCalibration } from '../src/data/calibration';
import { corpusIds } from '../src/data/corpusIds';
import { exportGguf } from '../src/gguf/export';
import { llamaCppBench } from '../src/gguf/llamaCpp';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'stories260K' },
    method: { type: 'string', default: 'structprune' },
    sparsities: { type: 'string', default: '0.3,0.5' },
    rounds: { type: 'string', default: '5' },
    repeats: { type: 'string', default: '3' },
    pp: { type: 'string', default: '256' },
    tg: { type: 'string', default: '64' },
    samples: { type: 'string', default: '16' },
    seqlen: { type: 'string', default: '128' },
    out: { type: 'string' },
  },
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function base(): Promise<LoadedModel> {
  const stories = await loadModel('stories260K');
  if (values.model === 'stories260K') return stories;
  // A LLaMA-shaped fixture (seeded random weights; speed does not depend on values), with stories260K's
  // tokenizer (vocabulary 512) so that it exports like any LLaMA checkpoint.
  const model = fixtureModel({ arch: 'llama', layers: 16, dModel: 1024, nHeads: 16, nKvHeads: 4, dFF: 2816, vocabSize: 512, maxSeq: 512, seed: 0 });
  return { ...stories, model };
}

/** Remove round(s · units) seeded-random units from every FFN and attention module. */
function randomPrune(model: Model, s: number, seed = 0): Model {
  const c = model.config;
  const rng = createRng(seed);
  const mask: RemovedMask = {};
  const pick = (n: number) => {
    const m = new Uint8Array(n);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    order.slice(0, Math.round(s * n)).forEach((u) => (m[u] = 1));
    return m;
  };
  for (let l = 0; l < c.nLayers; l++) {
    mask[`layers.${l}.ffn`] = pick(c.dFF);
    mask[`layers.${l}.attn`] = pick(c.nHeads);
  }
  return sliceModel(model, mask);
}

async function main() {
  const loaded = await base();
  const out = values.out ?? fs.mkdtempSync(path.join(require('os').tmpdir(), 'sp-bench-gguf-'));
  fs.mkdirSync(out, { recursive: true });
  const sparsities = values.sparsities!.split(',').map(Number);
  const calib = sampleCalibration(await corpusIds(loaded.codec, 'tinystories-train'), {
    nSamples: Number(values.samples),
    seqlen: Number(values.seqlen),
    seed: 0,
  });
  const dense = countParams(loaded.model.weights);
  const models: { label: string; file: string; params: number; ggufParams: number }[] = [];
  const add = (label: string, l: LoadedModel) => {
    const file = path.join(out, `${values.model}-${label}.gguf`);
    const r = exportGguf(l, file, { force: true });
    models.push({ label, file, params: countParams(l.model.weights), ggufParams: r.params });
  };
  add('dense', loaded);
  for (const s of sparsities) {
    const t0 = performance.now();
    const model =
      values.method === 'random'
        ? randomPrune(loaded.model, s)
        : (await prune(loaded.model, { method: values.method as PruneMethod, sparsity: s, windows: calib })).model;
    process.stderr.write(`pruned ${values.method} ${s} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    add(`${values.method}-${s}`, { ...loaded, model });
  }
  const spec = { prompt: Number(values.pp), gen: Number(values.tg), repeats: Number(values.repeats) };
  const pp: Record<string, number[]> = {};
  const tg: Record<string, number[]> = {};
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const m of models) {
      const b = await llamaCppBench(m.file, spec, { threads: 1 });
      (pp[m.label] ??= []).push(Math.max(...b.pp));
      (tg[m.label] ??= []).push(Math.max(...b.tg));
    }
    process.stderr.write(`round ${r + 1}: ${models.map((m) => `${m.label} pp ${pp[m.label][r].toFixed(0)} tg ${tg[m.label][r].toFixed(0)}`).join(', ')}\n`);
  }
  const ratio = (xs: Record<string, number[]>, l: string) => median(xs[l].map((v, i) => v / xs.dense[i]));
  const rows = models.map((m) => ({
    model: values.model,
    variant: m.label,
    params: m.params,
    paramRatio: m.params / dense,
    ggufParams: m.ggufParams,
    ggufRatio: m.ggufParams / models[0].ggufParams,
    ppTokS: median(pp[m.label]),
    tgTokS: median(tg[m.label]),
    ppRatio: ratio(pp, m.label),
    tgRatio: ratio(tg, m.label),
  }));
  console.log('| model | variant | params | params ÷ dense | GGUF values ÷ dense | pp tok/s | pp ÷ dense | tg tok/s | tg ÷ dense |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.model} | ${r.variant} | ${r.params.toLocaleString('en-US')} | ${r.paramRatio.toFixed(3)} | ${r.ggufRatio.toFixed(3)} | ${r.ppTokS.toFixed(0)} | ${r.ppRatio.toFixed(2)} | ${r.tgTokS.toFixed(1)} | ${r.tgRatio.toFixed(2)} |`,
    );
  }
  console.log(JSON.stringify({ spec, rounds: Number(values.rounds), rows }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
