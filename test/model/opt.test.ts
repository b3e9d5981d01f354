// OPT forward on seeded fixtures against a float64 reference written here from Hugging Face
// modeling_opt.py (OPTLearnedPositionalEmbedding offset 2, project_in/out, pre- or post-LayerNorm blocks,
// q scaled by dh^-0.5 after its bias, ReLU FFN, tied or untied head). The reference reads the safetensors
// file itself with HF names and [out, in] weights, so it shares no code with the loader or the forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf, initBackend } from '../../src/backend';
import { writeFixture, FixtureOptions } from '../../src/model/fixture';
import { loadHfModel } from '../../src/model/hf';
import { toDevice } from '../../src/model/device';
import { forward } from '../../src/model/forward';
import { readSafetensors } from '../../src/io/safetensorsReader';
import type { HostTensor } from '../../src/model/hostTensor';
import type { ModelConfig } from '../../src/model/config';
import type { Model } from '../../src/model/model';

type Vec = Float64Array;

/** y = W x + b with W stored [out, in] row-major (torch Linear). */
function linear(W: HostTensor, x: Vec, b?: HostTensor): Vec {
  const [out, inn] = W.shape;
  assert.equal(inn, x.length, 'reference: linear input width');
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b ? b.data[o] : 0;
    for (let i = 0; i < inn; i++) s += W.data[o * inn + i] * x[i];
    y[o] = s;
  }
  return y;
}

/** torch.nn.LayerNorm: (x − mean) / sqrt(var + 1e-5) · w + b, biased variance. */
function layerNorm(x: Vec, w: HostTensor, b: HostTensor): Vec {
  const n = x.length;
  const mean = x.reduce((a, v) => a + v, 0) / n;
  const v = x.reduce((a, z) => a + (z - mean) ** 2, 0) / n;
  const r = 1 / Math.sqrt(v + 1e-5);
  return x.map((z, i) => (z - mean) * r * w.data[i] + b.data[i]);
}

/** Logits [T][vocab] of an HF OPT checkpoint directory, in float64. */
function referenceOpt(dir: string, ids: number[]): number[][] {
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const W = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
  const P = 'model.decoder.';
  const d: number = c.hidden_size;
  const H: number = c.num_attention_heads;
  const dh = d / H;
  const pre: boolean = c.do_layer_norm_before ?? true;
  const finalLn = pre && !(c._remove_final_layer_norm ?? false);
  const tok = W[P + 'embed_tokens.weight'];
  const e = tok.shape[1];
  const row = (t: HostTensor, r: number) => Float64Array.from(t.data.subarray(r * t.shape[1], (r + 1) * t.shape[1]));
  let xs: Vec[] = ids.map((id, t) => {
    let x: Vec = row(tok, id);
    if (W[P + 'project_in.weight']) x = linear(W[P + 'project_in.weight'], x);
    const pos = row(W[P + 'embed_positions.weight'], t + 2); // OPTLearnedPositionalEmbedding.offset = 2
    return x.map((v, i) => v + pos[i]);
  });
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const L = (n: string) => W[`${P}layers.${l}.${n}`];
    // self-attention block
    const h = xs.map((x) => (pre ? layerNorm(x, L('self_attn_layer_norm.weight'), L('self_attn_layer_norm.bias')) : x));
    const q = h.map((z) => linear(L('self_attn.q_proj.weight'), z, L('self_attn.q_proj.bias')).map((v) => v * dh ** -0.5));
    const k = h.map((z) => linear(L('self_attn.k_proj.weight'), z, L('self_attn.k_proj.bias')));
    const v = h.map((z) => linear(L('self_attn.v_proj.weight'), z, L('self_attn.v_proj.bias')));
    xs = xs.map((x, t) => {
      const o = new Float64Array(d);
      for (let hd = 0; hd < H; hd++) {
        const s = Array.from({ length: t + 1 }, (_, u) => {
          let a = 0;
          for (let i = 0; i < dh; i++) a += q[t][hd * dh + i] * k[u][hd * dh + i];
          return a;
        });
        const m = Math.max(...s);
        const p = s.map((a) => Math.exp(a - m));
        const z = p.reduce((a, b) => a + b, 0);
        for (let u = 0; u <= t; u++) for (let i = 0; i < dh; i++) o[hd * dh + i] += (p[u] / z) * v[u][hd * dh + i];
      }
      const a = linear(L('self_attn.out_proj.weight'), o, L('self_attn.out_proj.bias'));
      const r = x.map((xv, i) => xv + a[i]);
      return pre ? r : layerNorm(r, L('self_attn_layer_norm.weight'), L('self_attn_layer_norm.bias'));
    });
    // feed-forward block
    xs = xs.map((x) => {
      const hh = pre ? layerNorm(x, L('final_layer_norm.weight'), L('final_layer_norm.bias')) : x;
      const f = linear(
        L('fc2.weight'),
        linear(L('fc1.weight'), hh, L('fc1.bias')).map((u) => Math.max(0, u)),
        L('fc2.bias'),
      );
      const r = x.map((xv, i) => xv + f[i]);
      return pre ? r : layerNorm(r, L('final_layer_norm.weight'), L('final_layer_norm.bias'));
    });
  }
  const head = W['lm_head.weight'] ?? tok;
  assert.equal(head.shape[1], e);
  return xs.map((x) => {
    let z = finalLn ? layerNorm(x, W[P + 'final_layer_norm.weight'], W[P + 'final_layer_norm.bias']) : x;
    if (W[P + 'project_out.weight']) z = linear(W[P + 'project_out.weight'], z);
    return Array.from(linear(head, z));
  });
}

/** Our logits [T][vocab] (wasm/cpu float32), checking that nothing leaks. */
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
  a.forEach((r, t) => {
    assert.equal(r.length, b[t].length);
    r.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[t][i]))));
  });
  return m;
}

const IDS = [2, 100, 200, 7, 511, 42, 3];

function fixture(opts: Partial<FixtureOptions>): { dir: string; model: Model } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opt-test-'));
  // std 0.3 makes attention peaked and logits O(1), so a wrong offset, norm or scale shows clearly.
  const { model } = writeFixture({ arch: 'opt', layers: 2, dModel: 32, nHeads: 4, seed: 0, std: 0.3, maxSeq: 16, ...opts, out: dir });
  return { dir, model };
}

test('OPT pre-norm (OPT-125M style): logits match the float64 HF reference ≤ 1e-4', async () => {
  await initBackend();
  const { dir } = fixture({});
  const m = loadHfModel(dir);
  assert.equal(m.source.format, 'hf');
  assert.equal(m.config.positionOffset, 2);
  assert.ok(m.weights.norm_f, 'pre-norm OPT has a final LayerNorm');
  const ref = referenceOpt(dir, IDS);
  const diff = maxAbsDiff(ours(m, IDS), ref);
  assert.ok(diff <= 1e-4, `max |Δlogit| = ${diff}`);
  if (process.env.SHOW_DIFF) console.log(`max |Δlogit| = ${diff}`);
  // The comparison can fail: the same weights without OPT's position offset are far off.
  const wrong = maxAbsDiff(ours(m, IDS, { ...m.config, positionOffset: 0 }), ref);
  assert.ok(wrong > 1e-2, `offset 0 should differ, got ${wrong}`);
  const refScale = Math.max(...ref.flat().map(Math.abs));
  assert.ok(refScale > 0.5, `logits should be O(1) for a meaningful test, max |logit| ${refScale}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('OPT post-norm (do_layer_norm_before false, no final LayerNorm): matches the reference ≤ 1e-4', async () => {
  await initBackend();
  const { dir } = fixture({ doLayerNormBefore: false, seed: 1 });
  const cfgJson = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(cfgJson.do_layer_norm_before, false);
  const m = loadHfModel(dir);
  assert.equal(m.config.preNorm, false);
  assert.equal(m.weights.norm_f, undefined);
  const ref = referenceOpt(dir, IDS);
  const diff = maxAbsDiff(ours(m, IDS), ref);
  assert.ok(diff <= 1e-4, `max |Δlogit| = ${diff}`);
  if (process.env.SHOW_DIFF) console.log(`max |Δlogit| = ${diff}`);
  const wrong = maxAbsDiff(ours(m, IDS, { ...m.config, preNorm: true }), ref);
  assert.ok(wrong > 1e-2, `pre-norm on post-norm weights should differ, got ${wrong}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('OPT-350M style (word_embed_proj_dim ≠ hidden_size, post-norm, untied head): matches the reference ≤ 1e-4', async () => {
  await initBackend();
  const { dir } = fixture({ doLayerNormBefore: false, wordEmbedProjDim: 16, tiedEmbeddings: false, seed: 2 });
  const m = loadHfModel(dir);
  assert.equal(m.config.embedDim, 16);
  assert.deepEqual(m.weights.proj_in.shape, [16, 32]);
  assert.deepEqual(m.weights.proj_out.shape, [32, 16]);
  assert.deepEqual(m.weights.lm_head.shape, [16, 512]);
  const diff = maxAbsDiff(ours(m, IDS), referenceOpt(dir, IDS));
  assert.ok(diff <= 1e-4, `max |Δlogit| = ${diff}`);
  if (process.env.SHOW_DIFF) console.log(`max |Δlogit| = ${diff}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('OPT `_remove_final_layer_norm`: the stored final LayerNorm is ignored, as transformers does', async () => {
  await initBackend();
  const { dir } = fixture({ seed: 3 });
  const file = path.join(dir, 'config.json');
  const c = JSON.parse(fs.readFileSync(file, 'utf8'));
  c._remove_final_layer_norm = true;
  fs.writeFileSync(file, JSON.stringify(c));
  const m = loadHfModel(dir);
  assert.equal(m.weights.norm_f, undefined);
  const diff = maxAbsDiff(ours(m, IDS), referenceOpt(dir, IDS));
  assert.ok(diff <= 1e-4, `max |Δlogit| = ${diff}`);
  if (process.env.SHOW_DIFF) console.log(`max |Δlogit| = ${diff}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('OPT enable_bias false: no linear biases are expected or used', async () => {
  await initBackend();
  const { dir } = fixture({ seed: 4 });
  // Rewrite the checkpoint without linear biases (LayerNorm biases stay, as in transformers).
  const st = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
  const kept = Object.fromEntries(Object.entries(st).filter(([k]) => !/(proj|fc\d)\.bias$/.test(k)));
  const { writeSafetensors } = await import('../../src/io/safetensorsWriter');
  writeSafetensors(path.join(dir, 'model.safetensors'), kept);
  const file = path.join(dir, 'config.json');
  const c = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.throws(() => loadHfModel(dir), /self_attn\.q_proj\.bias" is missing/);
  c.enable_bias = false;
  fs.writeFileSync(file, JSON.stringify(c));
  const m = loadHfModel(dir);
  assert.equal(m.config.biases, false);
  assert.equal(m.weights['layers.0.attn.q.bias'], undefined);
  assert.ok(m.weights['layers.0.attn_norm.bias']);
  const diff = maxAbsDiff(ours(m, IDS), referenceOpt(dir, IDS));
  assert.ok(diff <= 1e-4, `max |Δlogit| = ${diff}`);
  if (process.env.SHOW_DIFF) console.log(`max |Δlogit| = ${diff}`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('OPT config: bos/eos 2, ReLU only, learned positions sized max_position_embeddings + 2', () => {
  const { dir, model } = fixture({ seed: 5 });
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(c.architectures[0], 'OPTForCausalLM');
  assert.equal(c.bos_token_id, 2);
  assert.equal(c.eos_token_id, 2);
  assert.equal(c.activation_function, 'relu');
  const st = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
  assert.deepEqual(st['model.decoder.embed_positions.weight'].shape, [16 + 2, 32]);
  assert.equal(model.config.bosId, 2);
  c.activation_function = 'gelu';
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));
  assert.throws(() => loadHfModel(dir), /"activation_function": "gelu" is not supported .*relu/);
  fs.rmSync(dir, { recursive: true, force: true });
});
