// Running the model one block at a time on host activations (METHOD.md §2): the embedding of calibration
// windows, then block l alone on the device, its outputs back on the host for the next block.
import { tf } from '../backend';
import { Model } from './model';
import { layerShape } from './config';
import { block, BlockCapture } from './blocks';
import { uploadBlock, uploadWeights, disposeWeights } from './device';
import { embed, sequenceContext } from './forward';
import { read } from '../util/read';

/** Embedding outputs [T, d] of every window, on the host (global weights are uploaded only for this). */
export async function embedWindows(model: Model, windows: readonly number[][]): Promise<Float32Array[]> {
  const keys = ['embed', 'pos_embed', 'proj_in'].filter((k) => model.weights[k]);
  const dw = uploadWeights(model.weights, keys);
  try {
    const out: Float32Array[] = [];
    for (const ids of windows) out.push((await read(() => embed(model.config, dw, ids))) as Float32Array);
    return out;
  } finally {
    disposeWeights(dw);
  }
}

/**
 * Run block `l` of `model` on host inputs (each [T, d]) and return the host outputs. With `onCapture`, the
 * block's module hidden activations of each window are passed to it (awaited; the tensors are released when
 * its promise settles, so it must not keep them). Only this block's weights are on the device during the call.
 */
export async function runBlock(
  model: Model,
  l: number,
  inputs: readonly Float32Array[],
  seqlen: number,
  opts: { onCapture?: (c: BlockCapture) => void | Promise<void> } = {},
): Promise<Float32Array[]> {
  const cfg = model.config;
  const shape = layerShape(cfg, l);
  const d = cfg.dModel;
  const w = uploadBlock(model.weights, l);
  const ctx = sequenceContext(cfg, seqlen);
  try {
    const outputs: Float32Array[] = [];
    for (const xin of inputs) {
      const r = tf.tidy(() => {
        const x = tf.tensor2d(xin, [seqlen, d]);
        const b = block(x, w, { cfg, shape, mask: ctx.mask, rope: ctx.rope, capture: !!opts.onCapture });
        return { out: b.out, ...b.capture };
      });
      try {
        if (opts.onCapture) await opts.onCapture({ attnHidden: r.attnHidden, ffnHidden: r.ffnHidden });
        outputs.push((await r.out.data()) as Float32Array);
      } finally {
        for (const t of [r.out, r.attnHidden, r.ffnHidden]) t?.dispose();
      }
    }
    return outputs;
  } finally {
    disposeWeights(w);
    ctx.mask.dispose();
    if (ctx.rope) Object.values(ctx.rope).forEach((t) => t.dispose());
  }
}
