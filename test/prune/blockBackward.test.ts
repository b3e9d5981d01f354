// The block-by-block backward (O(√N) device memory) gives the same module-output gradients ∂ℒ_Σ/∂y_m as
// autodiff through the whole resident model, on stories260K and on OPT fixtures (pre- and post-norm,
// projected embeddings); the loss it reports is the model's mean next-token NLL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { fixtureModel } from '../../src/model/fixture';
import { Model } from '../../src/model/model';
import { blockwiseOutputGradients, wholeModelOutputGradients } from '../../src/prune/blockBackward';
import { headChunkPositions, HEAD_CHUNK_FLOATS } from '../../src/prune/headChunk';
import { createRng } from '../../src/util/rng';
import { noLeaks, stories260K } from '../helpers';

const windowsOf = (n: number, T: number, V: number, seed: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: T }, () => rng.int(0, V - 1)));
};

/** Relative max error of every raw gradient and of every G_m; returns the worst. */
async function compare(model: Model, windows: number[][], headChunk?: number): Promise<{ err: number; gErr: number; lossErr: number; count: number }> {
  const raw = new Map<string, Float32Array>();
  const b = await noLeaks(() => blockwiseOutputGradients(model, windows, { headChunk, onGradient: (w, id, g) => raw.set(`${w}/${id}`, Float32Array.from(g)) }));
  let err = 0;
  let count = 0;
  const w = await noLeaks(() =>
    wholeModelOutputGradients(model, windows, {
      onGradient: (wi, id, g) => {
        const r = raw.get(`${wi}/${id}`);
        assert.ok(r, `block-wise pass has no gradient for window ${wi}, ${id}`);
        let num = 0;
        let den = 0;
        for (let i = 0; i < g.length; i++) {
          num = Math.max(num, Math.abs(g[i] - r[i]));
          den = Math.max(den, Math.abs(g[i]));
        }
        assert.ok(den > 0, `${id}: zero gradient`);
        err = Math.max(err, num / den);
        count++;
      },
    }),
  );
  assert.equal(count, raw.size);
  let gErr = 0;
  w.G.forEach((g, m) => {
    let den = 0;
    for (const v of g) den = Math.max(den, v);
    for (let k = 0; k < g.length; k++) gErr = Math.max(gErr, Math.abs(g[k] - b.G[m][k]) / den);
  });
  return { err, gErr, lossErr: Math.abs(b.loss - w.loss) / w.loss, count };
}

test('stories260K: block-wise module-output gradients equal whole-model autodiff (≤ 1e-5 relative)', async () => {
  const { model } = await stories260K();
  const r = await compare(model, windowsOf(2, 24, model.config.vocabSize, 1));
  assert.equal(r.count, 2 * 2 * model.config.nLayers);
  assert.ok(r.err <= 1e-5, `raw gradient error ${r.err}`);
  assert.ok(r.gErr <= 1e-5, `G error ${r.gErr}`);
  assert.ok(r.lossErr <= 1e-6, `loss error ${r.lossErr}`);
});

for (const [name, opts] of [
  ['OPT pre-norm', {}],
  ['OPT-350M style (post-norm, projected embeddings)', { doLayerNormBefore: false, wordEmbedProjDim: 16 }],
] as const) {
  test(`${name} fixture: block-wise gradients equal whole-model autodiff (≤ 1e-5 relative)`, async () => {
    await initBackend();
    const model = fixtureModel({ arch: 'opt', layers: 3, dModel: 32, nHeads: 4, vocabSize: 64, maxSeq: 32, seed: 3, std: 0.3, ...opts });
    const r = await compare(model, windowsOf(2, 12, 64, 2));
    assert.equal(r.count, 2 * 2 * 3);
    assert.ok(r.err <= 1e-5, `raw gradient error ${r.err}`);
    assert.ok(r.gErr <= 1e-5, `G error ${r.gErr}`);
  });
}

test('the LM head in chunks of positions (1, 5, T − 2 and whole-window chunks) gives the whole-model gradients (≤ 1e-5 relative)', async () => {
  await initBackend();
  const model = fixtureModel({ arch: 'llama', layers: 2, dModel: 32, nHeads: 4, nKvHeads: 2, vocabSize: 96, maxSeq: 32, seed: 5, std: 0.3 });
  const T = 12;
  for (const chunk of [1, 5, T - 2, T - 1, 1000]) {
    const r = await compare(model, windowsOf(2, T, 96, 4), chunk);
    assert.equal(r.count, 2 * 2 * 2);
    assert.ok(r.err <= 1e-5, `chunk ${chunk}: raw gradient error ${r.err}`);
    assert.ok(r.gErr <= 1e-5, `chunk ${chunk}: G error ${r.gErr}`);
    assert.ok(r.lossErr <= 1e-6, `chunk ${chunk}: loss error ${r.lossErr}`);
  }
  for (const bad of [0, -1, 1.5, NaN])
    await assert.rejects(blockwiseOutputGradients(model, windowsOf(1, T, 96, 4), { headChunk: bad }), /headChunk must be an integer ≥ 1/);
});

test('headChunkPositions: ⌊2²² / V⌋ positions, clamped to [1, T]', () => {
  assert.equal(HEAD_CHUNK_FLOATS, 4194304);
  assert.equal(headChunkPositions(512, 256), 256); // stories260K: the whole window
  assert.equal(headChunkPositions(50272, 2048), 83); // OPT: 25 chunks of a 2048-token window
  assert.equal(headChunkPositions(32000, 4096), 131); // LLaMA-2
  assert.equal(headChunkPositions(1 << 23, 16), 1);
  assert.equal(headChunkPositions(50272, 2048, 50272 * 7), 7);
  assert.throws(() => headChunkPositions(0, 8), /vocabulary size/);
  assert.throws(() => headChunkPositions(8, 0), /window length/);
});

test('block-wise gradients: input errors name the problem', async () => {
  await initBackend();
  const model = fixtureModel({ arch: 'llama', layers: 1, dModel: 16, vocabSize: 32, maxSeq: 8, seed: 1 });
  await assert.rejects(blockwiseOutputGradients(model, []), /no calibration windows/);
  await assert.rejects(blockwiseOutputGradients(model, [[1]]), /≥ 2 tokens/);
  await assert.rejects(
    blockwiseOutputGradients(model, [
      [1, 2],
      [1, 2, 3],
    ]),
    /same length/,
  );
});
