// The block-by-block backward (O(√N) device memory) gives the same module-output gradients ∂ℒ_Σ/∂y_m as
// autodiff through the whole resident model, on stories260K and on OPT fixtures (pre- and post-norm,
// projected embeddings); the loss it reports is the model's mean next-token NLL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { fixtureModel } from '../../src/model/fixture';
import { Model } from '../../src/model/model';
import { blockwiseOutputGradients, wholeModelOutputGradients } from '../../src/prune/blockBackward';
import { createRng } from '../../src/util/rng';
import { noLeaks, stories260K } from '../helpers';

const windowsOf = (n: number, T: number, V: number, seed: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: T }, () => rng.int(0, V - 1)));
};

/** Relative max error of every raw gradient and of every G_m; returns the worst. */
async function compare(model: Model, windows: number[][]): Promise<{ err: number; gErr: number; lossErr: number; count: number }> {
  const raw = new Map<string, Float32Array>();
  const b = await noLeaks(() => blockwiseOutputGradients(model, windows, { onGradient: (w, id, g) => raw.set(`${w}/${id}`, Float32Array.from(g)) }));
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
