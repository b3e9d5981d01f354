// Hugging Face checkpoints: config.json mapping, LLaMA fixtures against a float64 reference written here
// from transformers modeling_llama.py (rotate_half RoPE on the HF weights), the real stories260K through
// llama2.c → HF → back (identical logits, and the HF file reproduces llama2.c's golden logits), sharded
// files, base-model prefixes, dtypes, and clear errors for malformed inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../../src/backend';
import { writeFixture, fixtureModel } from '../../src/model/fixture';
import { loadHfModel, saveHfModel } from '../../src/model/hf';
import { hfConfigToModelConfig, modelConfigToHfConfig } from '../../src/model/hfConfig';
import { permuteRopeRows } from '../../src/model/hfRope';
import { loadLlama2c } from '../../src/model/llama2c';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { readSafetensors } from '../../src/io/safetensorsReader';
import { writeSafetensors } from '../../src/io/safetensorsWriter';
import type { HostTensor } from '../../src/model/hostTensor';
import type { ModelConfig } from '../../src/model/config';
import type { Model } from '../../src/model/model';
import { REFERENCE_DATA } from '../referenceData';

const DATA = path.join(REFERENCE_DATA, 'stories260K');
const STORIES = path.join(DATA, 'stories260K.bin');
const GOLDEN = path.join(DATA, 'golden.json');
const haveStories = fs.existsSync(STORIES) && fs.existsSync(GOLDEN);

const tmp = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `hf-test-${tag}-`));
const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));

type Vec = Float64Array;

function linear(W: HostTensor, x: Vec): Vec {
  const [out, inn] = W.shape;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = 0;
    for (let i = 0; i < inn; i++) s += W.data[o * inn + i] * x[i];
    y[o] = s;
  }
  return y;
}

function rmsNorm(x: Vec, w: HostTensor, eps: number): Vec {
  const ms = x.reduce((a, v) => a + v * v, 0) / x.length;
  const r = 1 / Math.sqrt(ms + eps);
  return x.map((v, i) => v * r * w.data[i]);
}

/** transformers `rotate_half` RoPE on one head slice [dh] at position `pos`: pairs (i, i + dh/2). */
function ropeHalf(x: Vec, off: number, dh: number, pos: number, theta: number): void {
  const half = dh / 2;
  for (let i = 0; i < half; i++) {
    const a = pos * Math.pow(theta, -(2 * i) / dh);
    const [c, s] = [Math.cos(a), Math.sin(a)];
    const x1 = x[off + i];
    const x2 = x[off + half + i];
    x[off + i] = x1 * c - x2 * s;
    x[off + half + i] = x2 * c + x1 * s;
  }
}

/** Logits [T][vocab] of an HF LLaMA checkpoint directory, float64, straight from the HF names and layout. */
function referenceLlama(dir: string, ids: number[]): number[][] {
  const c = readJson(path.join(dir, 'config.json'));
  const W = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
  const H: number = c.num_attention_heads;
  const KV: number = c.num_key_value_heads ?? H;
  const dh: number = c.head_dim ?? c.hidden_size / H;
  const eps: number = c.rms_norm_eps;
  const theta: number = c.rope_theta ?? 10000;
  const emb = W['model.embed_tokens.weight'];
  const d = emb.shape[1];
  let xs: Vec[] = ids.map((id) => Float64Array.from(emb.data.subarray(id * d, (id + 1) * d)));
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const L = (n: string) => W[`model.layers.${l}.${n}`];
    const h = xs.map((x) => rmsNorm(x, L('input_layernorm.weight'), eps));
    const q = h.map((z, t) => {
      const v = linear(L('self_attn.q_proj.weight'), z);
      for (let hd = 0; hd < H; hd++) ropeHalf(v, hd * dh, dh, t, theta);
      return v;
    });
    const k = h.map((z, t) => {
      const v = linear(L('self_attn.k_proj.weight'), z);
      for (let hd = 0; hd < KV; hd++) ropeHalf(v, hd * dh, dh, t, theta);
      return v;
    });
    const v = h.map((z) => linear(L('self_attn.v_proj.weight'), z));
    xs = xs.map((x, t) => {
      const o = new Float64Array(H * dh);
      for (let hd = 0; hd < H; hd++) {
        const kv = Math.floor(hd / (H / KV)); // repeat_kv
        const s = Array.from({ length: t + 1 }, (_, u) => {
          let a = 0;
          for (let i = 0; i < dh; i++) a += q[t][hd * dh + i] * k[u][kv * dh + i];
          return a / Math.sqrt(dh);
        });
        const m = Math.max(...s);
        const p = s.map((a) => Math.exp(a - m));
        const z = p.reduce((a, b) => a + b, 0);
        for (let u = 0; u <= t; u++) for (let i = 0; i < dh; i++) o[hd * dh + i] += (p[u] / z) * v[u][kv * dh + i];
      }
      const a = linear(L('self_attn.o_proj.weight'), o);
      const r = x.map((xv, i) => xv + a[i]);
      const hh = rmsNorm(r, L('post_attention_layernorm.weight'), eps);
      const g = linear(L('mlp.gate_proj.weight'), hh);
      const up = linear(L('mlp.up_proj.weight'), hh);
      const f = linear(
        L('mlp.down_proj.weight'),
        g.map((gv, i) => (gv / (1 + Math.exp(-gv))) * up[i]),
      );
      return r.map((rv, i) => rv + f[i]);
    });
  }
  const head = c.tie_word_embeddings ? emb : W['lm_head.weight'];
  return xs.map((x) => Array.from(linear(head, rmsNorm(x, W['model.norm.weight'], eps))));
}

function ours(model: Model, ids: number[], cfg: ModelConfig = model.config): number[][] {
  const before = tf.memory().numTensors;
  const dev = toDevice(model);
  const out = tf.tidy(() => forward(cfg, dev.weights, ids).logits.arraySync());
  dev.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  return out;
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  a.forEach((r, t) => r.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[t][i])))));
  return m;
}

const IDS = [1, 100, 200, 7, 511, 42, 3];

// ---------------------------------------------------------------------------------------------------------

test('LLaMA fixture (GQA 4/2, untied head): logits match the float64 rotate_half reference ≤ 1e-4', async () => {
  await initBackend();
  const dir = tmp('llama');
  writeFixture({ arch: 'llama', layers: 2, dModel: 32, nHeads: 4, nKvHeads: 2, seed: 0, std: 0.3, maxSeq: 16, out: dir });
  const m = loadHfModel(dir);
  assert.equal(m.source.format, 'hf');
  assert.equal(m.config.nKvHeads, 2);
  const ref = referenceLlama(dir, IDS);
  const diff = maxAbsDiff(ours(m, IDS), ref);
  assert.ok(diff <= 1e-4, `max |Δlogit| = ${diff}`);
  // Can fail: reading the q/k rows without the RoPE reordering gives other logits.
  const raw = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
  const unpermuted: Model = { ...m, weights: { ...m.weights } };
  for (const l of [0, 1]) {
    for (const [ours_, hf] of [
      ['q', 'q_proj'],
      ['k', 'k_proj'],
    ]) {
      const t = raw[`model.layers.${l}.self_attn.${hf}.weight`];
      const [o, i] = t.shape;
      const tr = new Float32Array(o * i);
      for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) tr[c * o + r] = t.data[r * i + c];
      unpermuted.weights[`layers.${l}.attn.${ours_}`] = { shape: [i, o], data: tr };
    }
  }
  const wrong = maxAbsDiff(ours(unpermuted, IDS), ref);
  assert.ok(wrong > 1e-2, `unpermuted q/k should differ, got ${wrong}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('LLaMA fixture with a tied head and head_dim: matches the reference', async () => {
  await initBackend();
  const dir = tmp('llama-tied');
  writeFixture({ arch: 'llama', layers: 1, dModel: 32, nHeads: 2, seed: 7, std: 0.3, maxSeq: 16, tiedEmbeddings: true, out: dir });
  const c = readJson(path.join(dir, 'config.json'));
  assert.equal(c.tie_word_embeddings, true);
  assert.equal(c.head_dim, 16);
  const m = loadHfModel(dir);
  assert.equal(m.weights.lm_head, undefined);
  const diff = maxAbsDiff(ours(m, IDS), referenceLlama(dir, IDS));
  assert.ok(diff <= 1e-4, `max |Δlogit| = ${diff}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test(
  'stories260K: llama2.c → saveHfModel → loadHfModel gives identical weights and logits; the HF file reproduces the golden logits',
  { skip: haveStories ? false : `needs ${STORIES}` },
  async () => {
    await initBackend();
    const src = loadLlama2c(STORIES, 'stories260K');
    const dir = tmp('stories');
    saveHfModel(src, dir);
    const back = loadHfModel(dir);
    assert.deepEqual(back.config, src.config);
    assert.deepEqual(Object.keys(back.weights).sort(), Object.keys(src.weights).sort());
    for (const k of Object.keys(src.weights)) {
      assert.deepEqual(back.weights[k].shape, src.weights[k].shape, k);
      assert.ok(Buffer.from(back.weights[k].data.buffer).equals(Buffer.from(src.weights[k].data.buffer)), `${k} differs`);
    }
    const golden = readJson(GOLDEN);
    const ids: number[] = golden.prompt_nll.ids_with_bos;
    const a = ours(src, ids);
    const b = ours(back, ids);
    assert.deepEqual(b, a, 'logits must be identical');
    // The saved file is a correct HF LLaMA: transformers' equations on it give llama2.c's golden logits.
    const c = readJson(path.join(dir, 'config.json'));
    assert.equal(c.architectures[0], 'LlamaForCausalLM');
    assert.equal(c.num_key_value_heads, 4);
    assert.equal(c.tie_word_embeddings, true);
    assert.equal(c.rms_norm_eps, 1e-5);
    const ref = referenceLlama(dir, [1]);
    const gold: number[] = golden.logits_after_bos;
    const diff = Math.max(...gold.map((g, i) => Math.abs(g - ref[0][i])));
    assert.ok(diff <= 2e-5, `HF reference vs golden logits after BOS: ${diff}`);
    fs.rmSync(dir, { recursive: true, force: true });
  },
);

test('permuteRopeRows: transformers `permute` (view(nh, dh/2, 2, d).transpose(1, 2)) and its inverse', () => {
  const nh = 3;
  const dh = 6;
  const cols = 2;
  const ours_ = Float32Array.from({ length: nh * dh * cols }, (_, i) => i);
  const hf = permuteRopeRows(ours_, nh, dh, cols, 'toHf');
  // permute: HF[h][j][c] with j = a·(dh/2) + i taken from ours[h][2i + a][c]
  for (let h = 0; h < nh; h++)
    for (let a = 0; a < 2; a++)
      for (let i = 0; i < dh / 2; i++)
        for (let c = 0; c < cols; c++) assert.equal(hf[(h * dh + a * (dh / 2) + i) * cols + c], ours_[(h * dh + 2 * i + a) * cols + c]);
  assert.deepEqual(permuteRopeRows(hf, nh, dh, cols, 'fromHf'), ours_);
  assert.throws(() => permuteRopeRows(ours_, nh, 5, cols, 'toHf'), /even/);
});

// ---------------------------------------------------------------------------------------------------------
// config.json mapping

const OPT_125M = {
  _name_or_path: 'facebook/opt-125m',
  activation_dropout: 0.0,
  activation_function: 'relu',
  architectures: ['OPTForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 2,
  do_layer_norm_before: true,
  dropout: 0.1,
  eos_token_id: 2,
  ffn_dim: 3072,
  hidden_size: 768,
  init_std: 0.02,
  layerdrop: 0.0,
  max_position_embeddings: 2048,
  model_type: 'opt',
  num_attention_heads: 12,
  num_hidden_layers: 12,
  pad_token_id: 1,
  prefix: '</s>',
  torch_dtype: 'float16',
  use_cache: true,
  vocab_size: 50272,
  word_embed_proj_dim: 768,
};
const OPT_350M = {
  ...OPT_125M,
  hidden_size: 1024,
  ffn_dim: 4096,
  num_attention_heads: 16,
  num_hidden_layers: 24,
  do_layer_norm_before: false,
  word_embed_proj_dim: 512,
};
const LLAMA2_7B = {
  architectures: ['LlamaForCausalLM'],
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 4096,
  initializer_range: 0.02,
  intermediate_size: 11008,
  max_position_embeddings: 4096,
  model_type: 'llama',
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 32,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  tie_word_embeddings: false,
  torch_dtype: 'float16',
  vocab_size: 32000,
};

test('config.json → ModelConfig: OPT-125M, OPT-350M and LLaMA-2-7B', () => {
  const a = hfConfigToModelConfig(OPT_125M);
  assert.deepEqual(
    {
      arch: a.arch,
      d: a.dModel,
      L: a.nLayers,
      h: a.nHeads,
      kv: a.nKvHeads,
      dh: a.dHead,
      ff: a.dFF,
      V: a.vocabSize,
      seq: a.maxSeq,
      eps: a.normEps,
      act: a.activation,
      norm: a.norm,
      bias: a.biases,
      tied: a.tiedEmbeddings,
      pos: a.positions,
      off: a.positionOffset,
      pre: a.preNorm,
      e: a.embedDim,
      bos: a.bosId,
      eos: a.eosId,
    },
    {
      arch: 'opt',
      d: 768,
      L: 12,
      h: 12,
      kv: 12,
      dh: 64,
      ff: 3072,
      V: 50272,
      seq: 2048,
      eps: 1e-5,
      act: 'relu',
      norm: 'layer',
      bias: true,
      tied: true,
      pos: 'learned',
      off: 2,
      pre: true,
      e: undefined,
      bos: 2,
      eos: 2,
    },
  );
  const b = hfConfigToModelConfig(OPT_350M);
  assert.equal(b.preNorm, false);
  assert.equal(b.embedDim, 512);
  const c = hfConfigToModelConfig(LLAMA2_7B);
  assert.deepEqual(
    [c.arch, c.dHead, c.nKvHeads, c.dFF, c.normEps, c.ropeTheta, c.tiedEmbeddings, c.activation, c.positions, c.biases],
    ['llama', 128, 32, 11008, 1e-5, 10000, false, 'swiglu', 'rope', false],
  );
  // GQA and defaults: no num_key_value_heads → MHA; absent rms_norm_eps → transformers' 1e-6
  const gqa = hfConfigToModelConfig({ ...LLAMA2_7B, num_key_value_heads: 8 });
  assert.equal(gqa.nKvHeads, 8);
  const { num_key_value_heads: _kv, rms_norm_eps: _eps, ...bare } = LLAMA2_7B;
  const d = hfConfigToModelConfig(bare);
  assert.equal(d.nKvHeads, 32);
  assert.equal(d.normEps, 1e-6);
  // model_type alone identifies the architecture; eos lists take their first id
  const e = hfConfigToModelConfig({ ...bare, architectures: undefined, eos_token_id: [2, 7] });
  assert.equal(e.arch, 'llama');
  assert.equal(e.eosId, 2);
});

test('ModelConfig → config.json → ModelConfig round trips (OPT pre/post-norm, proj, LLaMA GQA, stories-like)', () => {
  const cases = [
    fixtureModel({ arch: 'opt', layers: 2, dModel: 32, seed: 0 }),
    fixtureModel({ arch: 'opt', layers: 2, dModel: 32, seed: 0, doLayerNormBefore: false, wordEmbedProjDim: 16, tiedEmbeddings: false }),
    fixtureModel({ arch: 'llama', layers: 2, dModel: 32, nHeads: 4, nKvHeads: 2, seed: 0 }),
  ];
  for (const m of cases) {
    const finalNorm = m.weights.norm_f !== undefined;
    const json = modelConfigToHfConfig(m.config, { finalNorm });
    assert.deepEqual(hfConfigToModelConfig(json), m.config);
  }
  const post = modelConfigToHfConfig(cases[1].config, { finalNorm: false });
  assert.equal(post.do_layer_norm_before, false);
  assert.equal(post.word_embed_proj_dim, 16);
  assert.equal(post._remove_final_layer_norm, false);
  assert.throws(() => modelConfigToHfConfig(cases[1].config, { finalNorm: true }), /post-norm OPT .* final LayerNorm/);
  assert.throws(() => modelConfigToHfConfig({ ...cases[2].config, layers: [] }), /pruned/);
  assert.throws(() => modelConfigToHfConfig({ ...cases[0].config, normEps: 1e-6 }), /eps is fixed at 0.00001/);
});

test('config.json errors name the key, the value and what is supported', () => {
  const bad: [object, RegExp][] = [
    [[1, 2], /must be a JSON object/],
    [{ ...LLAMA2_7B, architectures: ['GPT2LMHeadModel'], model_type: 'gpt2' }, /"GPT2LMHeadModel".*not supported; supported: LlamaForCausalLM, OPTForCausalLM/],
    [{ ...LLAMA2_7B, hidden_size: undefined }, /missing required key "hidden_size"/],
    [{ ...LLAMA2_7B, hidden_size: '4096' }, /"hidden_size" must be a number, got "4096"/],
    [{ ...LLAMA2_7B, num_hidden_layers: 0 }, /"num_hidden_layers" must be an integer ≥ 1, got 0/],
    [{ ...LLAMA2_7B, intermediate_size: 11008.5 }, /"intermediate_size" must be an integer/],
    [{ ...LLAMA2_7B, num_key_value_heads: 5 }, /"num_attention_heads" 32 is not a multiple of "num_key_value_heads" 5/],
    [{ ...LLAMA2_7B, hidden_size: 4100 }, /"hidden_size" 4100 is not divisible by "num_attention_heads" 32 \(set "head_dim"\)/],
    [{ ...LLAMA2_7B, rope_scaling: { rope_type: 'llama3', factor: 8 } }, /"rope_scaling": .* is not supported .*null/],
    [{ ...LLAMA2_7B, hidden_act: 'gelu' }, /"hidden_act": "gelu" is not supported/],
    [{ ...LLAMA2_7B, attention_bias: true }, /"attention_bias": true is not supported/],
    [{ ...LLAMA2_7B, tie_word_embeddings: 'yes' }, /"tie_word_embeddings" must be true or false/],
    [{ ...LLAMA2_7B, bos_token_id: 40000 }, /bos_token_id 40000 .* outside vocab_size 32000/],
    [{ ...OPT_125M, activation_function: 'gelu' }, /"activation_function": "gelu" is not supported for OPTForCausalLM \(supported: "relu"\)/],
    [{ ...OPT_125M, layer_norm_elementwise_affine: false }, /layer_norm_elementwise_affine/],
  ];
  for (const [json, re] of bad)
    assert.throws(
      () => hfConfigToModelConfig(json, 'x/config.json'),
      (e: Error) => e.name === 'ModelFormatError' && /^x\/config\.json: /.test(e.message) && re.test(e.message),
      JSON.stringify(json).slice(0, 80),
    );
});

// ---------------------------------------------------------------------------------------------------------
// files

test('sharded checkpoints (model.safetensors.index.json) and base-model names (no `model.` prefix) load the same weights', () => {
  const dir = tmp('shard');
  const { model } = writeFixture({ arch: 'opt', layers: 2, dModel: 16, nHeads: 2, seed: 3, maxSeq: 8, vocabSize: 64, out: dir });
  const all = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
  // facebook/opt-* files use the base model's names: "decoder.…"
  const names = Object.keys(all);
  const bare = Object.fromEntries(names.map((n) => [n.replace(/^model\./, ''), all[n]]));
  const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  const map: Record<string, string> = {};
  Object.keys(bare).forEach((n, i) => (map[n] = shards[i % 2]));
  for (const s of shards) writeSafetensors(path.join(dir, s), Object.fromEntries(Object.entries(bare).filter(([n]) => map[n] === s)));
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: map }));
  fs.rmSync(path.join(dir, 'model.safetensors'));
  const back = loadHfModel(dir);
  assert.deepEqual(Object.keys(back.weights).sort(), Object.keys(model.weights).sort());
  for (const k of Object.keys(model.weights)) assert.deepEqual(back.weights[k].data, model.weights[k].data, k);
  // an index naming a tensor its shard lacks, or a path outside the directory, is an error
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { ...map, 'decoder.extra': shards[0] } }));
  assert.throws(() => loadHfModel(dir), /tensor "decoder\.extra" listed in model\.safetensors\.index\.json is not in this shard/);
  fs.writeFileSync(
    path.join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ weight_map: { ...map, 'decoder.embed_tokens.weight': '../evil.safetensors' } }),
  );
  assert.throws(() => loadHfModel(dir), /must be a file name inside the checkpoint directory/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('F16/BF16 checkpoints load to float32 within half-precision rounding', () => {
  for (const dtype of ['F16', 'BF16'] as const) {
    const dir = tmp(dtype);
    const m = fixtureModel({ arch: 'llama', layers: 1, dModel: 16, nHeads: 2, seed: 1, vocabSize: 32, maxSeq: 8 });
    saveHfModel(m, dir, { dtype });
    assert.equal(readJson(path.join(dir, 'config.json')).torch_dtype, dtype === 'F16' ? 'float16' : 'bfloat16');
    const back = loadHfModel(dir);
    const rel = dtype === 'F16' ? 2 ** -11 : 2 ** -8;
    for (const k of Object.keys(m.weights)) {
      const a = m.weights[k].data;
      const b = back.weights[k].data;
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= rel * Math.abs(a[i]) + 1e-7, `${dtype} ${k}[${i}]: ${a[i]} vs ${b[i]}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed checkpoints: clear errors naming the file, the tensor and the expected shape', () => {
  const dir = tmp('bad');
  writeFixture({ arch: 'llama', layers: 1, dModel: 16, nHeads: 2, seed: 2, vocabSize: 32, maxSeq: 8, out: dir });
  const st = path.join(dir, 'model.safetensors');
  const good = readSafetensors(st).tensors;
  const rewrite = (t: Record<string, HostTensor>) => writeSafetensors(st, t);

  const { ['model.layers.0.mlp.up_proj.weight']: _up, ...missing } = good;
  rewrite(missing);
  assert.throws(
    () => loadHfModel(dir),
    /tensor "model\.layers\.0\.mlp\.up_proj\.weight" is missing; config\.json implies shape \[48,16\] \[dModel 16, dFF 48\]/,
  );

  const k = 'model.layers.0.self_attn.k_proj.weight';
  rewrite({ ...good, [k]: { shape: [8, 16], data: new Float32Array(128) } });
  assert.throws(
    () => loadHfModel(dir),
    /tensor "model\.layers\.0\.self_attn\.k_proj\.weight" has shape \[8,16\], config\.json implies \[16,16\] \[dModel 16, nKvHeads·dHead 16\]/,
  );

  rewrite({ ...good, 'model.layers.1.mlp.up_proj.weight': good['model.layers.0.mlp.up_proj.weight'] });
  assert.throws(() => loadHfModel(dir), /1 tensor\(s\) not part of a LlamaForCausalLM with this config\.json: model\.layers\.1\.mlp\.up_proj\.weight/);

  const bad = good['model.norm.weight'].data.slice();
  bad[3] = NaN;
  rewrite({ ...good, 'model.norm.weight': { shape: [16], data: bad } });
  assert.throws(() => loadHfModel(dir), /tensor "model\.norm\.weight" has a non-finite value \(NaN\) at index 3/);

  // untied config without lm_head
  const { ['lm_head.weight']: _h, ...noHead } = good;
  rewrite(noHead);
  assert.throws(() => loadHfModel(dir), /"lm_head\.weight" is missing.*tie_word_embeddings/);

  // old checkpoints carry rotary_emb.inv_freq: ignored like transformers does
  rewrite({ ...good, 'model.layers.0.self_attn.rotary_emb.inv_freq': { shape: [4], data: new Float32Array(4) } });
  assert.doesNotThrow(() => loadHfModel(dir));

  fs.writeFileSync(path.join(dir, 'config.json'), '{"architectures": [');
  assert.throws(() => loadHfModel(dir), /config\.json: invalid JSON/);
  fs.rmSync(path.join(dir, 'config.json'));
  assert.throws(() => loadHfModel(dir), /config\.json: cannot read/);
  fs.rmSync(dir, { recursive: true, force: true });

  const pt = tmp('pt');
  fs.writeFileSync(path.join(pt, 'config.json'), JSON.stringify(LLAMA2_7B));
  fs.writeFileSync(path.join(pt, 'pytorch_model.bin'), '');
  assert.throws(() => loadHfModel(pt), /only pytorch_model\.bin found: PyTorch pickles are not read.*safe_serialization=True/);
  fs.rmSync(path.join(pt, 'pytorch_model.bin'));
  assert.throws(() => loadHfModel(pt), /no model\.safetensors or model\.safetensors\.index\.json/);
  fs.rmSync(pt, { recursive: true, force: true });
  assert.throws(() => loadHfModel(path.join(os.tmpdir(), 'no-such-hf-dir-xyz')), /not a directory/);
});

test('saveHfModel refuses what HF cannot hold, and writes config.json last', () => {
  const m = fixtureModel({ arch: 'opt', layers: 1, dModel: 16, nHeads: 2, seed: 0, vocabSize: 32, maxSeq: 8 });
  const dir = tmp('save');
  assert.throws(() => saveHfModel({ ...m, config: { ...m.config, layers: [{ ffn: [0], heads: [0, 1], kvHeads: [0, 1] }] } }, dir), /pruned/);
  assert.throws(() => saveHfModel({ ...m, weights: { ...m.weights, extra: { shape: [1], data: new Float32Array(1) } } }, dir), /weights extra have no place/);
  const short = { ...m.weights, 'layers.0.ffn.fc1': { shape: [16, 8], data: new Float32Array(128) } };
  assert.throws(() => saveHfModel({ ...m, weights: short }, dir), /"layers\.0\.ffn\.fc1" has shape \[16,8\], the config implies \[16,64\]/);
  assert.equal(fs.existsSync(path.join(dir, 'config.json')), false, 'nothing written on a refused save');
  const { files } = saveHfModel(m, dir);
  assert.equal(path.basename(files[files.length - 1]), 'config.json');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
  const st = readSafetensors(path.join(dir, 'model.safetensors'));
  assert.deepEqual(st.metadata, { format: 'pt' });
  assert.ok(st.tensors['model.decoder.layers.0.fc1.weight'], 'ForCausalLM names');
  assert.deepEqual(st.tensors['model.decoder.layers.0.fc1.weight'].shape, [64, 16], '[out, in] in files');
  fs.rmSync(dir, { recursive: true, force: true });
});
