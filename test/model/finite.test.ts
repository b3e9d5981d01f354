import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { tf, initBackend } from '../../src/backend';
import { fixtureModel, writeFixture } from '../../src/model/fixture';
import { Model } from '../../src/model/model';
import { toDevice } from '../../src/model/device';
import { perplexity } from '../../src/eval/perplexity';
import { generate } from '../../src/model/generate';
import { prune } from '../../src/prune/prune';
import { loadHfModel } from '../../src/model/hf';
import { locateNonFinite, NonFiniteError, checkWeightValues, MAX_ABS_WEIGHT } from '../../src/model/finite';
import { noLeaks, tmpDir } from '../helpers';

const IDS = [1, 17, 40, 3, 99, 250, 7, 12, 5, 33, 61, 2, 8, 140, 77, 21];

/** A fixture whose layer-1 FFN up projection holds finite but huge weights (3e38): overflow at run time. */
function huge(): Model {
  const m = fixtureModel({ arch: 'llama', layers: 3, dModel: 32, nHeads: 4, seed: 1, maxSeq: 16 });
  const w = m.weights['layers.1.ffn.up'];
  return { ...m, weights: { ...m.weights, 'layers.1.ffn.up': { shape: w.shape, data: new Float32Array(w.data.length).fill(3e38) } } };
}

test('a finite model has no non-finite stage; locateNonFinite names the layer and module otherwise, leaking nothing', async () => {
  await initBackend();
  const ok = fixtureModel({ arch: 'llama', layers: 3, dModel: 32, nHeads: 4, seed: 1, maxSeq: 16 });
  for (const [m, want] of [
    [ok, null],
    [huge(), 'layers.1.ffn'],
  ] as const) {
    const dm = toDevice(m);
    try {
      assert.equal(await noLeaks(() => locateNonFinite(dm.config, dm.weights, IDS)), want);
    } finally {
      dm.dispose();
    }
  }
});

test('perplexity, generate and prune fail naming where values became non-finite (no NaN results, no eigh error), leaking nothing', async () => {
  await initBackend();
  const m = huge();
  const before = tf.memory().numTensors;
  await assert.rejects(perplexity(m, IDS), (e: unknown) => e instanceof NonFiniteError && e.where === 'layers.1.ffn' && /NLL .* window 0/.test(e.message));
  await assert.rejects(generate(m, { steps: 3 }), (e: unknown) => e instanceof NonFiniteError && e.where === 'layers.1.ffn');
  await assert.rejects(
    prune(m, { method: 'local', sparsity: 0.2, windows: [IDS, IDS.slice().reverse()] }),
    (e: unknown) => e instanceof NonFiniteError && e.where === 'layers.1',
  );
  assert.equal(tf.memory().numTensors, before, 'tensors leaked on the failure paths');
});

test('loading refuses weights beyond ±MAX_ABS_WEIGHT, naming file and tensor', () => {
  assert.throws(() => checkWeightValues('f', 't', [0, 1, -2 * MAX_ABS_WEIGHT]), /f: tensor "t" has a value -2000000 at index 2, beyond ±1000000/);
  checkWeightValues('f', 't', [0, MAX_ABS_WEIGHT, -MAX_ABS_WEIGHT]);
  const dir = path.join(tmpDir('sp-huge-'), 'm');
  writeFixture({ arch: 'llama', layers: 1, dModel: 16, nHeads: 2, seed: 0, vocabSize: 32, maxSeq: 8, out: dir });
  const st = path.join(dir, 'model.safetensors');
  const bytes = fs.readFileSync(st);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  bytes.writeFloatLE(3e38, 8 + headerLen + 4 * 5); // the first tensor's 6th value
  fs.writeFileSync(st, bytes);
  assert.throws(() => loadHfModel(dir), /model\.safetensors: tensor ".*" has a value 3\.0\d*e\+38 at index 5, beyond ±1000000/);
});
