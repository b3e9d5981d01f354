// GGUF writer and exporter without llama.cpp: container round trip, F16 rounding, the layer plan (KV-head
// duplication for uneven GQA groups, zero FFN unit, attention-free layers), tensor layouts against the
// model's weights, tokenizer metadata, and every refusal (OPT, fixups off, overwrite, byte-level tokenizer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stories260K, tmpDir } from '../helpers';
import { ModelConfig } from '../../src/model/config';
import { sliceModel, RemovedMask } from '../../src/prune/slice';
import { fixtureModel, writeFixture } from '../../src/model/fixture';
import { loadModel } from '../../src/model/load';
import { writeGguf, readGguf, gv } from '../../src/gguf/format';
import { planLayer, planGguf, slotsPerKvHead, GgufExportError } from '../../src/gguf/plan';
import { exportGguf } from '../../src/gguf/export';
import { hfVocab } from '../../src/gguf/tokenizer';
import { ggufCodec } from '../../src/gguf/evaluate';
import { byteLevelBpeTokenizer, writeHfTokenizerFiles } from '../../src/model/hfTokenizer';
import { f32BitsToF16Bits, f16BitsToF32 } from '../../src/io/safetensorsDtype';

const f32ToF16Bits = (x: number): number => f32BitsToF16Bits(new Uint32Array(Float32Array.of(x).buffer)[0]);

const dir = tmpDir('sp-gguf-unit-');

test('container round trip: metadata of every written type, F32 exact, F16 rounded to nearest even, 32-byte aligned offsets', () => {
  const file = path.join(dir, 'rt.gguf');
  const a = Float32Array.from({ length: 7 }, (_, i) => Math.fround(Math.sin(i + 1) * 3.3));
  const b = Float32Array.from([1 / 3, 65504, 1e-8, -2.5, 70000, 0]);
  const kv = {
    'x.u32': gv.u32(7),
    'x.i32': gv.i32(-3),
    'x.f32': gv.f32(0.5),
    'x.b': gv.bool(true),
    'x.s': gv.str('héllo ▁'),
    'x.arr': gv.arr('i32', [1, -2, 3]),
    'x.sarr': gv.arr('str', ['a', '', 'ü']),
  };
  const size = writeGguf(file, kv, [
    { name: 'a', dims: [7], dtype: 'F32', data: a },
    { name: 'b', dims: [3, 2], dtype: 'F16', data: b },
  ]);
  assert.equal(fs.statSync(file).size, size);
  const r = readGguf(file);
  assert.equal(r.version, 3);
  assert.deepEqual(r.kv, { 'x.u32': 7, 'x.i32': -3, 'x.f32': 0.5, 'x.b': true, 'x.s': 'héllo ▁', 'x.arr': [1, -2, 3], 'x.sarr': ['a', '', 'ü'] });
  assert.deepEqual(Array.from(r.tensors.a.data), Array.from(a));
  assert.deepEqual(r.tensors.b.dims, [3, 2]);
  assert.deepEqual(
    Array.from(r.tensors.b.data),
    Array.from(b, (x) => f16BitsToF32(f32ToF16Bits(x))),
  );
  assert.equal(r.tensors.b.data[4], Infinity);
  assert.throws(() => writeGguf(path.join(dir, 'bad.gguf'), { k: gv.u32(-1) }, []), /"k".*u32/);
  assert.throws(() => writeGguf(path.join(dir, 'bad.gguf'), {}, [{ name: 'a', dims: [2], dtype: 'F32', data: a }]), /dims \[2\]/);
  assert.ok(!fs.existsSync(path.join(dir, 'bad.gguf')));
});

const cfg = (heads: number[], kvHeads: number[], ffn: number[]): ModelConfig => ({
  arch: 'llama',
  dModel: 64,
  nLayers: 1,
  nHeads: 8,
  nKvHeads: 4,
  dHead: 8,
  dFF: 16,
  vocabSize: 32,
  maxSeq: 16,
  normEps: 1e-5,
  ropeTheta: 1e4,
  activation: 'swiglu',
  norm: 'rms',
  biases: false,
  tiedEmbeddings: true,
  positions: 'rope',
  positionOffset: 0,
  preNorm: true,
  bosId: 1,
  eosId: 2,
  layers: [{ heads, kvHeads, ffn }],
});

test('layer plan: uneven GQA groups duplicate KV heads and pad zero query heads, whichever writes less; empty FFN gets one zero unit, attention-free layers', () => {
  // heads 0 1 | 2 | 5 over KV heads 0, 1, 2 (group 2): sizes 2+1+1 → duplicating KV 0 (1 head) beats padding (2)
  let p = planLayer(cfg([0, 1, 2, 5], [0, 1, 2], [0, 1]), 0, true);
  assert.deepEqual([p.nHead, p.nHeadKv, p.kvSource, p.qSource], [4, 4, [0, 0, 1, 2], [0, 1, 2, 3]]);
  // heads 0 1 | 2 3 on KV heads 0, 1: sizes 2+2 → r = 2, written as is
  p = planLayer(cfg([0, 1, 2, 3], [0, 1], [3]), 0, true);
  assert.deepEqual([p.nHeadKv, p.kvSource, p.fixes], [2, [0, 1], []]);
  // heads 0 1 | 2 3 | 4 | 6: sizes 2+2+1+1 → 2 duplicates or 2 zero heads: a tie keeps duplication, 6 KV heads
  p = planLayer(cfg([0, 1, 2, 3, 4, 6], [0, 1, 2, 3], [0]), 0, true);
  assert.deepEqual(
    [p.kvSource, p.qSource],
    [
      [0, 0, 1, 1, 2, 3],
      [0, 1, 2, 3, 4, 5],
    ],
  );
  assert.equal(p.nHead % p.nHeadKv, 0);
  // heads 0 1 | 2 3 | 4 5 | 6 (stories260K at s = 0.5, layer 0): one zero query head (3 duplicates otherwise)
  p = planLayer(cfg([0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 3], [0]), 0, true);
  assert.deepEqual([p.nHead, p.nHeadKv, p.kvSource, p.qSource], [8, 4, [0, 1, 2, 3], [0, 1, 2, 3, 4, 5, 6, null]]);
  assert.deepEqual(p.fixes, ['query-head groups 2+2+2+1: 1 zero query head (query heads 7 → 8); each written KV head serves 2 query heads']);
  // group size 4 (8 heads on 2 KV heads): heads 0 1 2 3 | 4 5 → sizes 4+2 → 2 slots per KV head, KV 0 written twice
  const g4 = cfg([0, 1, 2, 3, 4, 5], [0, 1], [0]);
  g4.nKvHeads = 2;
  p = planLayer(g4, 0, true);
  assert.deepEqual([p.nHead, p.nHeadKv, p.kvSource], [6, 3, [0, 0, 1]]);
  // heads 0 1 2 3 | 4 → sizes 4+1: both fixes at once (KV 0 twice, one zero head after head 4): 2 extra heads, not 3
  const mixed = cfg([0, 1, 2, 3, 4], [0, 1], [0]);
  mixed.nKvHeads = 2;
  p = planLayer(mixed, 0, true);
  assert.deepEqual([p.nHead, p.nHeadKv, p.kvSource, p.qSource], [6, 3, [0, 0, 1], [0, 1, 2, 3, 4, null]]);
  assert.match(p.fixes[0], /^query-head groups 4\+1: KV heads 2 → 3, 1 zero query head \(query heads 5 → 6\)/);
  assert.deepEqual([[2, 2], [1, 1], [3, 1], [2, 2, 2, 1], [4, 1], [4, 2], [5]].map(slotsPerKvHead), [2, 1, 1, 2, 2, 2, 5]);
  assert.throws(
    () => planLayer(cfg([0, 1, 2, 3, 4, 6], [0, 1, 2, 3], [0]), 0, false),
    (e: Error) => e instanceof GgufExportError && /layer 0: query-head groups 2\+2\+1\+1 .*crashes llama\.cpp/.test(e.message),
  );
  p = planLayer(cfg([0, 1], [0], []), 0, true);
  assert.deepEqual([p.nFf, p.zeroFfn], [1, true]);
  assert.throws(() => planLayer(cfg([0, 1], [0], []), 0, false), /no FFN units/);
  const two = cfg([], [], [1]);
  two.nLayers = 2;
  two.layers = [
    { heads: [], kvHeads: [], ffn: [1] },
    { heads: [], kvHeads: [], ffn: [1] },
  ];
  const [first, second] = [planLayer(two, 0, true), planLayer(two, 1, true)];
  assert.deepEqual([first.zeroAttn, first.nHead, first.nHeadKv], [true, 1, 1]);
  assert.deepEqual([second.zeroAttn, second.nHead, second.nHeadKv], [false, 0, 0]);
  assert.throws(() => planLayer(two, 0, false), /first layer/);
});

test('stories260K export: llama metadata, tensors in llama.cpp layout equal to the weights, llama2.c tokenizer as SPM metadata, atomic and refusing to overwrite', async () => {
  const loaded = await stories260K();
  const file = path.join(dir, 's.gguf');
  const r = exportGguf(loaded, file);
  assert.equal(r.arch, 'llama');
  assert.throws(() => exportGguf(loaded, file), /exists: refusing to overwrite/);
  const g = readGguf(file);
  const c = loaded.model.config;
  assert.equal(g.kv['general.architecture'], 'llama');
  assert.equal(g.kv['llama.attention.head_count'], 8);
  assert.equal(g.kv['llama.attention.head_count_kv'], 4);
  assert.equal(g.kv['llama.feed_forward_length'], c.dFF);
  assert.equal(g.kv['llama.block_count'], c.nLayers);
  assert.ok(!('output.weight' in g.tensors), 'tied head: llama.cpp reuses token_embd');
  assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.tmp')));
  // attn_q: ggml dims [in, out], rows = output features: element (o, i) = W[i, o] of the [in, out] weight
  const q = loaded.model.weights['layers.2.attn.q'];
  const gq = g.tensors['blk.2.attn_q.weight'];
  assert.deepEqual(gq.dims, q.shape);
  const [inn, out] = q.shape;
  for (const [o, i] of [
    [0, 0],
    [3, 17],
    [out - 1, inn - 1],
  ])
    assert.equal(gq.data[o * inn + i], q.data[i * out + o]);
  assert.deepEqual(Array.from(g.tensors['token_embd.weight'].data), Array.from(loaded.model.weights.embed.data));
  const tokens = g.kv['tokenizer.ggml.tokens'] as string[];
  const types = g.kv['tokenizer.ggml.token_type'] as number[];
  assert.deepEqual([tokens[0], tokens[1], tokens[2], tokens[3 + 10]], ['<unk>', '<s>', '</s>', '<0x0A>']);
  assert.deepEqual([types[0], types[1], types[3 + 10]], [2, 3, 6]);
  assert.ok(tokens.some((t) => t.startsWith('▁')) && !tokens.some((t) => t.includes(' ')));
  // the file's own tokenizer encodes as the model's codec (METHOD.md §7 protocol for eval --engine llama.cpp)
  const text = 'Once upon a time, there was a little girl named Lily. She loved "pies" — and naïve cats!';
  assert.deepEqual(ggufCodec(file).codec.encode(text), loaded.codec.encode(text));
});

test('pruned layers → arch deci with per-layer arrays; duplicated KV rows are copies of the right heads, zero query heads are zero Q rows and output columns', async () => {
  const loaded = await stories260K();
  const c = loaded.model.config;
  const mask: RemovedMask = {};
  for (let l = 0; l < c.nLayers; l++) [mask[`layers.${l}.ffn`], mask[`layers.${l}.attn`]] = [new Uint8Array(c.dFF), new Uint8Array(c.nHeads)];
  mask['layers.1.attn'].set([0, 0, 0, 1, 0, 0, 0, 0]); // heads 0 1 | 2 | 4 5 | 6 7: sizes 2+1+2+2 → one zero head after head 2
  mask['layers.2.attn'].set([0, 0, 0, 1, 1, 1, 1, 1]); // heads 0 1 | 2: sizes 2+1 → a tie, KV heads 0 0 1
  mask['layers.3.ffn'].fill(1, 0, 100);
  const model = sliceModel(loaded.model, mask);
  const file = path.join(dir, 'p.gguf');
  const r = exportGguf({ ...loaded, model }, file);
  assert.equal(r.arch, 'deci');
  const g = readGguf(file);
  assert.deepEqual(g.kv['deci.attention.head_count'], [8, 8, 3, 8, 8]);
  assert.deepEqual(g.kv['deci.attention.head_count_kv'], [4, 4, 3, 4, 4]);
  assert.deepEqual(g.kv['deci.feed_forward_length'], [c.dFF, c.dFF, c.dFF, c.dFF - 100, c.dFF]);
  const d = c.dModel;
  const dh = c.dHead;
  // layer 2: [3 written KV heads · dh rows][d] from the kept KV heads 0, 1
  const k = g.tensors['blk.2.attn_k.weight'];
  const kSrc = model.weights['layers.2.attn.k']; // [d, 2·dh]
  [0, 0, 1].forEach((kv, w) => {
    for (let j = 0; j < dh; j++) assert.equal(k.data[(w * dh + j) * d + 5], kSrc.data[5 * 2 * dh + kv * dh + j]);
  });
  // layer 1: written query heads = kept heads 0 1 2, a zero head, kept heads 3 4 5 6 (Q rows [8·dh][d], output [d][8·dh])
  const q = g.tensors['blk.1.attn_q.weight'];
  const o = g.tensors['blk.1.attn_output.weight'];
  const qSrc = model.weights['layers.1.attn.q']; // [d, 7·dh]
  const oSrc = model.weights['layers.1.attn.o']; // [7·dh, d]
  assert.deepEqual(
    [q.dims, o.dims],
    [
      [d, 8 * dh],
      [8 * dh, d],
    ],
  );
  [0, 1, 2, null, 3, 4, 5, 6].forEach((h, w) => {
    for (let j = 0; j < dh; j++)
      for (const col of [0, 5, d - 1]) {
        assert.equal(q.data[(w * dh + j) * d + col], h === null ? 0 : qSrc.data[col * 7 * dh + h * dh + j]);
        assert.equal(o.data[col * 8 * dh + w * dh + j], h === null ? 0 : oSrc.data[(h * dh + j) * d + col]);
      }
  });
  const plan = planGguf(model);
  assert.deepEqual([plan.layers[1].fixes.length, plan.layers[2].fixes.length], [1, 1]);
});

test('refusals: OPT (with the reason), byte-level BPE tokenizer.json, the input file itself', async () => {
  const opt = fixtureModel({ arch: 'opt', layers: 1, dModel: 32, seed: 1 });
  assert.throws(
    () => planGguf(opt),
    (e: Error) => e instanceof GgufExportError && /OPT .*no OPT architecture/.test(e.message),
  );
  const tdir = path.join(dir, 'bl');
  fs.mkdirSync(tdir);
  const files = writeHfTokenizerFiles(tdir, byteLevelBpeTokenizer({ merges: [['a', 'b']] }));
  assert.throws(() => hfVocab(tdir, files, 512, { bosId: 1, eosId: 2 }), /byte-level BPE .*only SentencePiece-style/);
  const fx = path.join(dir, 'fx');
  writeFixture({ arch: 'llama', layers: 1, dModel: 32, seed: 2, out: fx });
  const loaded = await loadModel(fx);
  const out = path.join(dir, 'fx.gguf');
  const r = exportGguf(loaded, out);
  const g = readGguf(out, { tensors: false });
  const tokens = g.kv['tokenizer.ggml.tokens'] as string[];
  assert.equal(tokens.length, 512);
  assert.equal((g.kv['tokenizer.ggml.token_type'] as number[])[511], 5);
  assert.equal(r.arch, 'llama');
  assert.deepEqual(ggufCodec(out).codec.encode('the cat sat on the mat'), loaded.codec.encode('the cat sat on the mat'));
  assert.throws(
    () => exportGguf({ ...loaded, model: { ...loaded.model, source: { ...loaded.model.source, path: out } } }, out, { force: true }),
    /input model itself/,
  );
});
