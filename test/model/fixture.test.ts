// Seeded HF fixtures: reproducible bytes, the options reach config.json and the tensor shapes, weight
// statistics follow the stated distribution, and the tokenizer is written only when the vocabulary holds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFixture, fixtureModel, fixtureTokenizer } from '../../src/model/fixture';
import { loadHfModel } from '../../src/model/hf';
import { readSafetensors } from '../../src/io/safetensorsReader';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fixture-test-'));
const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));

test('same options ⇒ byte-identical files; another seed ⇒ other weights', () => {
  const [a, b, c] = [tmp(), tmp(), tmp()];
  writeFixture({ arch: 'opt', layers: 2, dModel: 32, seed: 0, out: a });
  writeFixture({ arch: 'opt', layers: 2, dModel: 32, seed: 0, out: b });
  writeFixture({ arch: 'opt', layers: 2, dModel: 32, seed: 1, out: c });
  for (const f of fs.readdirSync(a)) assert.ok(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), f);
  assert.ok(!fs.readFileSync(path.join(a, 'model.safetensors')).equals(fs.readFileSync(path.join(c, 'model.safetensors'))));
  assert.deepEqual(fs.readFileSync(path.join(a, 'config.json')), fs.readFileSync(path.join(c, 'config.json')));
  for (const d of [a, b, c]) fs.rmSync(d, { recursive: true, force: true });
});

test('OPT defaults (OPT-125M-like) and the OPT-350M-like option reach config.json and the file', () => {
  const dir = tmp();
  writeFixture({ arch: 'opt', layers: 2, dModel: 64, seed: 0, out: dir });
  const c = readJson(path.join(dir, 'config.json'));
  assert.deepEqual(
    [
      c.architectures[0],
      c.hidden_size,
      c.num_hidden_layers,
      c.num_attention_heads,
      c.ffn_dim,
      c.vocab_size,
      c.max_position_embeddings,
      c.word_embed_proj_dim,
      c.do_layer_norm_before,
      c.bos_token_id,
      c.eos_token_id,
      c.tie_word_embeddings,
      c.enable_bias,
    ],
    ['OPTForCausalLM', 64, 2, 4, 256, 512, 128, 64, true, 2, 2, true, true],
  );
  assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);

  const d350 = tmp();
  writeFixture({ arch: 'opt', layers: 2, dModel: 64, seed: 0, wordEmbedProjDim: 32, doLayerNormBefore: false, out: d350 });
  const c350 = readJson(path.join(d350, 'config.json'));
  assert.equal(c350.word_embed_proj_dim, 32);
  assert.equal(c350.do_layer_norm_before, false);
  const st = readSafetensors(path.join(d350, 'model.safetensors')).tensors;
  assert.deepEqual(st['model.decoder.embed_tokens.weight'].shape, [512, 32]);
  assert.deepEqual(st['model.decoder.project_in.weight'].shape, [64, 32]);
  assert.deepEqual(st['model.decoder.project_out.weight'].shape, [32, 64]);
  assert.equal(st['model.decoder.final_layer_norm.weight'], undefined, 'OPT-350M has no final LayerNorm');
  assert.equal(st['lm_head.weight'], undefined, 'tied head not stored');
  assert.equal(loadHfModel(d350).config.embedDim, 32);
  for (const d of [dir, d350]) fs.rmSync(d, { recursive: true, force: true });
});

test('LLaMA fixture: GQA, untied head, dFF rounded to a multiple of 8', () => {
  const dir = tmp();
  const { model } = writeFixture({ arch: 'llama', layers: 3, dModel: 48, nHeads: 6, nKvHeads: 2, seed: 5, out: dir });
  const c = readJson(path.join(dir, 'config.json'));
  assert.deepEqual(
    [c.architectures[0], c.num_key_value_heads, c.intermediate_size, c.tie_word_embeddings, c.bos_token_id],
    ['LlamaForCausalLM', 2, 128, false, 1],
  );
  const st = readSafetensors(path.join(dir, 'model.safetensors')).tensors;
  assert.deepEqual(st['model.layers.2.self_attn.k_proj.weight'].shape, [16, 48]);
  assert.deepEqual(st['lm_head.weight'].shape, [512, 48]);
  const back = loadHfModel(dir);
  assert.deepEqual(back.config, model.config);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('weights ~ N(0, std²), norm gains ~ 1 + N(0, std²), biases small', () => {
  const m = fixtureModel({ arch: 'opt', layers: 2, dModel: 64, seed: 3 });
  const stats = (a: Float32Array) => {
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    return { mean, std: Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length) };
  };
  const fc1 = stats(m.weights['layers.0.ffn.fc1'].data); // 16384 draws
  assert.ok(Math.abs(fc1.mean) < 0.002 && Math.abs(fc1.std - 0.02) < 0.001, JSON.stringify(fc1));
  const ln = stats(m.weights['layers.1.attn_norm'].data);
  assert.ok(Math.abs(ln.mean - 1) < 0.01 && ln.std < 0.04, JSON.stringify(ln));
  const b = stats(m.weights['layers.0.attn.q.bias'].data);
  assert.ok(Math.abs(b.mean) < 0.01 && b.std < 0.04, JSON.stringify(b));
  const big = fixtureModel({ arch: 'opt', layers: 1, dModel: 64, seed: 3, std: 0.5 });
  assert.ok(Math.abs(stats(big.weights['layers.0.ffn.fc1'].data).std - 0.5) < 0.02);
});

test('tokenizer written only when the vocabulary holds it; bad options are refused', () => {
  const opt = fixtureTokenizer('opt');
  const llama = fixtureTokenizer('llama');
  const size = (t: typeof opt) => Object.keys((t.tokenizer.model as { vocab: object }).vocab).length;
  assert.equal(size(opt), 276);
  assert.equal(size(llama), 349);
  const dir = tmp();
  writeFixture({ arch: 'llama', layers: 1, dModel: 16, seed: 0, vocabSize: 300, out: dir });
  assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.throws(() => fixtureModel({ arch: 'gpt2' as never, layers: 1, dModel: 16, seed: 0 }), /arch must be "llama" or "opt"/);
  assert.throws(() => fixtureModel({ arch: 'opt', layers: 1, dModel: 30, nHeads: 4, seed: 0 }), /divisible by nHeads/);
  assert.throws(() => fixtureModel({ arch: 'llama', layers: 1, dModel: 16, seed: 0, wordEmbedProjDim: 8 }), /OPT options/);
  assert.throws(() => fixtureModel({ arch: 'opt', layers: 0, dModel: 16, seed: 0 }), /nLayers must be a positive integer/);
});
