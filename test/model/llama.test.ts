// The LLaMA runtime against llama2.c's stored outputs (golden.json), and loader errors on corrupt files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { stories260K, golden, noLeaks, maxAbsDiff, tmpDir, logitsOf } from '../helpers';
import { generate } from '../../src/model/generate';
import { parseLlama2c, loadLlama2c } from '../../src/model/llama2c';
import { ModelFormatError } from '../../src/errors';
import { toDevice } from '../../src/model/device';
import { windowNll } from '../../src/eval/perplexity';
import { dataPath } from '../../src/data/datadir';

test('logits after BOS match golden.json within 1e-4', async () => {
  const { model } = await stories260K();
  const logits = await noLeaks(() => logitsOf(model, [1]));
  assert.ok(maxAbsDiff(logits, golden().logits_after_bos) < 1e-4);
});

test('per-token NLL of the prompt matches golden.json within 1e-4', async () => {
  const { model, codec } = await stories260K();
  const g = golden().prompt_nll;
  assert.deepEqual(codec.encode(g.text), g.ids_with_bos);
  const nll = await noLeaks(() => {
    const dm = toDevice(model);
    try {
      return windowNll(dm, g.ids_with_bos);
    } finally {
      dm.dispose();
    }
  });
  assert.ok(maxAbsDiff(nll, g.nll_per_predicted_token) < 1e-4);
});

test('greedy generation reproduces the 200 golden token ids and text', async () => {
  const { model, codec } = await stories260K();
  const ids = await noLeaks(() => generate(model, { steps: 200, temperature: 0 }));
  const g = golden().greedy_from_bos;
  assert.deepEqual(ids, g.token_ids);
  assert.equal(codec.decode(ids), g.text);
});

test('sampling with a seed is deterministic and differs across seeds', async () => {
  const { model } = await stories260K();
  const a = await generate(model, { steps: 30, temperature: 1, seed: 7 });
  const b = await generate(model, { steps: 30, temperature: 1, seed: 7 });
  const c = await generate(model, { steps: 30, temperature: 1, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

const binFile = () => dataPath('stories260K/stories260K.bin');

test('loader rejects a truncated checkpoint', () => {
  const buf = fs.readFileSync(binFile());
  assert.throws(
    () => parseLlama2c(buf.subarray(0, buf.length - 4), 'x.bin'),
    (e: unknown) => e instanceof ModelFormatError && /truncated/.test((e as Error).message),
  );
  assert.throws(() => parseLlama2c(buf.subarray(0, 20), 'x.bin'), ModelFormatError);
});

test('loader rejects trailing data and a flipped header', () => {
  const buf = fs.readFileSync(binFile());
  assert.throws(() => parseLlama2c(Buffer.concat([buf, Buffer.alloc(8)]), 'x.bin'), /trailing data/);
  const flipped = Buffer.from(buf);
  flipped.writeInt32LE(65, 0); // dim 64 → 65: not divisible by 8 heads
  assert.throws(() => parseLlama2c(flipped, 'x.bin'), /dim 65 not divisible/);
  const neg = Buffer.from(buf);
  neg.writeInt32LE(-5, 8); // n_layers
  assert.throws(() => parseLlama2c(neg, 'x.bin'), /bad header: n_layers=-5/);
  const big = Buffer.from(buf);
  big.writeInt32LE(6, 8); // one layer more than the file holds
  assert.throws(() => parseLlama2c(big, 'x.bin'), /truncated/);
});

test('loader rejects NaN and Inf weights, naming the tensor', () => {
  const buf = Buffer.from(fs.readFileSync(binFile()));
  buf.writeFloatLE(NaN, 28 + 4 * 1000); // inside token_embedding
  assert.throws(() => parseLlama2c(buf, 'x.bin'), /tensor "token_embedding" has a non-finite value \(NaN\)/);
  const buf2 = Buffer.from(fs.readFileSync(binFile()));
  buf2.writeFloatLE(Infinity, buf2.length - 4 - 4 * 512 * 8); // before the RoPE tables: rms_final or w3
  assert.throws(() => parseLlama2c(buf2, 'x.bin'), ModelFormatError);
});

test('loading a missing file is a ModelFormatError naming it', () => {
  const f = path.join(tmpDir('sp-'), 'none.bin');
  assert.throws(
    () => loadLlama2c(f),
    (e: unknown) => e instanceof ModelFormatError && (e as Error).message.includes(f),
  );
});

test('forward rejects out-of-range ids and too-long sequences', async () => {
  const { model } = await stories260K();
  assert.throws(() => logitsOf(model, [1, 600]), /outside \[0, 512\)/);
  assert.throws(() => logitsOf(model, new Array(513).fill(1)), /exceeds the context length/);
});
