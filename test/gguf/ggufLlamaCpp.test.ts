// GGUF exports run by llama.cpp (node-llama-cpp, child process, 1 thread, F32 KV cache, flash attention off)
// against the project's own forward: dense and pruned stories260K (local 0.3, StructPrune 0.3 and 0.5), a
// constructed model with every llama.cpp trap (uneven GQA groups, empty FFN, attention-free first and
// middle layers), logits at every position of 2 windows, perplexity, 200 golden greedy tokens, and a file
// written without the workaround aborting llama.cpp. Needs scripts/setup-llama.sh (CI runs it).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { stories260K, golden, tmpDir } from '../helpers';
import { LoadedModel } from '../../src/model/codec';
import { Model } from '../../src/model/model';
import { corpusIds } from '../../src/data/corpusIds';
import { prune, PruneMethod } from '../../src/prune/prune';
import { sliceModel, RemovedMask } from '../../src/prune/slice';
import { sampleCalibration } from '../../src/data/calibration';
import { perplexity } from '../../src/eval/perplexity';
import { exportGguf, archMetadata, ggufTensors } from '../../src/gguf/export';
import { planGguf } from '../../src/gguf/plan';
import { writeGguf, gv } from '../../src/gguf/format';
import { ggufVocab, vocabMetadata } from '../../src/gguf/tokenizer';
import { checkGguf } from '../../src/gguf/check';
import { llamaCppPerplexity } from '../../src/gguf/evaluate';
import { llamaCppGenerate, llamaCppLogits, llamaCppTokenize, llamaCppAvailable } from '../../src/gguf/llamaCpp';
import { writeFixture } from '../../src/model/fixture';
import { loadModel } from '../../src/model/load';

const dir = tmpDir('sp-gguf-');
let base: LoadedModel;
let val: number[];
const L = 512;

before(async () => {
  assert.ok(llamaCppAvailable(), 'node-llama-cpp is not installed: run scripts/setup-llama.sh');
  base = await stories260K();
  val = await corpusIds(base.codec, 'tinystories-val');
});

const windows = () => [val.slice(0, L), val.slice(L, 2 * L)];

async function relPplDiff(model: Model, file: string, maxWindows: number): Promise<{ rel: number; ours: number; theirs: number }> {
  const ours = (await perplexity(model, val, { seqlen: L, maxWindows })).ppl;
  const theirs = (await llamaCppPerplexity(file, val, { seqlen: L, maxWindows })).ppl;
  return { rel: Math.abs(theirs - ours) / ours, ours, theirs };
}

test('dense stories260K: logits at every position of 2 windows within 1e-4, 200 golden greedy tokens, perplexity on 16 windows within 1e-5 relative', async () => {
  const file = path.join(dir, 'dense.gguf');
  const r = exportGguf(base, file);
  assert.equal(r.arch, 'llama');
  assert.deepEqual(r.fixes, []);
  const c = await checkGguf(base.model, file, windows());
  assert.equal(c.positions, 2 * L);
  assert.ok(c.maxAbsDiff < 1e-4, `max |Δlogit| ${c.maxAbsDiff}`);
  const bos = base.model.config.bosId;
  const ids = [bos, ...(await llamaCppGenerate(file, [bos], 200))]; // golden.json lists BOS + 200 generated ids
  assert.deepEqual(ids, golden().greedy_from_bos.token_ids);
  assert.equal(base.codec.decode(ids), golden().greedy_from_bos.text);
  const p = await relPplDiff(base.model, file, 16);
  assert.ok(p.rel < 1e-5, `ppl ${p.ours} vs llama.cpp ${p.theirs}`);
});

test('pruned stories260K (local 0.3, StructPrune 0.3 and 0.5) as arch deci: logits within 1e-4 at every position of 2 windows, perplexity within 1e-5 relative', async () => {
  const calib = sampleCalibration(await corpusIds(base.codec, 'tinystories-train'), { nSamples: 16, seqlen: 128, seed: 0 });
  const runs: [PruneMethod, number][] = [
    ['local', 0.3],
    ['structprune', 0.3],
    ['structprune', 0.5],
  ];
  let uneven = 0;
  for (const [method, sparsity] of runs) {
    const { model } = await prune(base.model, { method, sparsity, windows: calib });
    const file = path.join(dir, `${method}-${sparsity}.gguf`);
    const r = exportGguf({ ...base, model }, file);
    assert.equal(r.arch, 'deci', `${method} ${sparsity}`);
    uneven += r.fixes.filter((f) => f.includes('query-head groups')).length;
    const c = await checkGguf(model, file, windows());
    assert.ok(c.maxAbsDiff < 1e-4, `${method} ${sparsity}: max |Δlogit| ${c.maxAbsDiff}`);
    const p = await relPplDiff(model, file, 4);
    assert.ok(p.rel < 1e-5, `${method} ${sparsity}: ppl ${p.ours} vs llama.cpp ${p.theirs}`);
  }
  assert.ok(uneven > 0, 'no pruned layer with uneven GQA groups: their workaround went untested here');
});

/**
 * stories260K sliced by hand: uneven GQA groups fixed by a zero query head (layer 3) and by duplicating a KV head
 * (layer 4), no FFN (layers 1, 4), no attention (layers 0, 2).
 */
function trapModel(): Model {
  const c = base.model.config;
  const mask: RemovedMask = {};
  for (let l = 0; l < c.nLayers; l++) {
    mask[`layers.${l}.ffn`] = new Uint8Array(c.dFF);
    mask[`layers.${l}.attn`] = new Uint8Array(c.nHeads);
  }
  mask['layers.3.attn'].set([1, 0, 1, 1, 0, 0, 0, 0]); // heads 1 | 4 5 | 6 7 over KV heads 0, 2, 3: groups 1+2+2 → one zero head
  mask['layers.4.attn'].set([0, 0, 0, 1, 1, 1, 1, 1]); // heads 0 1 | 2 over KV heads 0, 1: groups 2+1 → KV 0 written twice
  mask['layers.1.ffn'].fill(1);
  mask['layers.4.ffn'].fill(1);
  mask['layers.0.attn'].fill(1);
  mask['layers.2.attn'].fill(1);
  return sliceModel(base.model, mask);
}

test('a model with every llama.cpp trap is fixed exactly by the exporter (logits within 1e-4), and written without the workaround it aborts llama.cpp', async () => {
  const model = trapModel();
  const file = path.join(dir, 'traps.gguf');
  const r = exportGguf({ ...base, model }, file);
  assert.equal(r.arch, 'deci');
  assert.equal(r.fixes.length, 6, r.fixes.join('; '));
  assert.ok(
    r.fixes.some((f) => f.startsWith('layer 3: query-head groups 1+2+2: 1 zero query head')),
    r.fixes.join('; '),
  );
  assert.ok(
    r.fixes.some((f) => f.startsWith('layer 4: query-head groups 2+1: KV heads 2 → 3')),
    r.fixes.join('; '),
  );
  const c = await checkGguf(model, file, windows());
  assert.ok(c.maxAbsDiff < 1e-4, `max |Δlogit| ${c.maxAbsDiff}`);
  // The same model with layer 3's uneven groups written as they are (3 KV heads for 5 query heads).
  const plan = planGguf(model);
  Object.assign(plan.layers[3], { kvSource: [0, 1, 2], nHeadKv: 3, qSource: [0, 1, 2, 3, 4], nHead: 5 });
  const raw = path.join(dir, 'raw.gguf');
  const kv = {
    'general.architecture': gv.str('deci'),
    ...archMetadata(model, plan),
    ...vocabMetadata(ggufVocab(base.tokenizerSource, 512, { bosId: 1, eosId: 2 })),
  };
  writeGguf(raw, kv, ggufTensors(model, plan, 'F32'));
  await assert.rejects(llamaCppLogits(raw, [val.slice(0, 8)]), /llama\.cpp died .*(SIGABRT|GGML_ASSERT)/);
});

test('F16 export: logits within 0.05 of the F32 model at every position of a window', async () => {
  const file = path.join(dir, 'dense-f16.gguf');
  exportGguf(base, file, { dtype: 'f16' });
  const c = await checkGguf(base.model, file, [val.slice(0, 256)]);
  assert.ok(c.maxAbsDiff > 0 && c.maxAbsDiff < 0.05, `max |Δlogit| ${c.maxAbsDiff}`);
});

test('llama.cpp tokenizes like the project: llama2.c tokenizer (golden examples) and an HF tokenizer.json; an HF LLaMA checkpoint (untied head) matches logit for logit', async () => {
  const file = path.join(dir, 'dense-tok.gguf');
  exportGguf(base, file);
  for (const ex of golden().encode_examples.slice(0, 3))
    assert.deepEqual([base.codec.bosId, ...(await llamaCppTokenize(file, ex.text))], ex.ids_with_bos, ex.text);
  const fx = path.join(dir, 'hf-llama');
  writeFixture({ arch: 'llama', layers: 2, dModel: 64, nHeads: 4, nKvHeads: 2, maxSeq: 64, seed: 3, out: fx });
  const hf = await loadModel(fx);
  assert.equal(hf.tokenizerSource?.kind, 'hf');
  const hfFile = path.join(dir, 'hf-llama.gguf');
  exportGguf(hf, hfFile);
  const text = 'the cat sat on the mat, and then the dog ran in the park with a ball';
  const ids = hf.codec.encode(text);
  assert.deepEqual([hf.codec.bosId, ...(await llamaCppTokenize(hfFile, text))], ids);
  const c = await checkGguf(hf.model, hfFile, [ids]);
  assert.ok(c.maxAbsDiff < 1e-4, `max |Δlogit| ${c.maxAbsDiff}`);
});
