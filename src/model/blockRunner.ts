// Running the model one block at a time on host activations (METHOD.md §2): the embedding of calibration
// windows, then block l alone on the device, its outputs back on the host for the next block.
import { tf } from '../backend';
import { Model } from './model';
import { layerShape } from './config';
import { block } from './blocks';
import { uploadBlock, uploadWeights, disposeWeights } from './device';
import { embed, sequenceContext } from './forward';
import { readSync } from '../util/read';

/** Embedding outputs [T, d] of every window, on the host (global weights are uploaded only for this). */
export function embedWindows(model: Model, windows: readonly number[][]): Float32Array[] {
  const keys = ['embed', 'pos_embed', 'proj_in'].filter((k) => model.weights[k]);
  const dw = uploadWeights(model.weights, keys);
  try {
    return windows.map((ids) => {
      return readSync(() => embed(model.config, dw, ids));
    });
  } finally {
    disposeWeights(dw);
  }
}

/** What `runBlock` hands to `onCapture`: the module hidden activations A_m of one window ([T, n] each). */
export interface BlockCapture {
  attnHidden?: tf.Tensor2D;
  ffnHidden?: tf.Tensor2D;
}

/**
 * Run block `l` of `model` on host inputs (each [T, d]) and return the host outputs. With `onCapture`, the
 * block's module hidden activations of each window are passed to it inside the window's tidy (valid only
 * during the call). Only this block's weights are on the device during the call.
 */
export function runBlock(model: Model, l: number, inputs: readonly Float32Array[], seqlen: number, opts: { onCapture?: (c: BlockCapture) => void } = {}): Float32Array[] {
  const cfg = model.config;
  const shape = layerShape(cfg, l);
  const d = cfg.dModel;
  const w = uploadBlock(model.weights, l);
  const ctx = sequenceContext(cfg, seqlen);
  try {
    return inputs.map((xin) => {
      return readSync(() => {
        const x = tf.tensor2d(xin, [seqlen, d]);
        const r = block(x, w, { cfg, shape, mask: ctx.mask, rope: ctx.rope, capture: !!opts.onCapture });
        opts.onCapture?.(r.capture);
        return r.out;
      });
    });
  } finally {
    disposeWeights(w);
    ctx.mask.dispose();
    if (ctx.rope) Object.values(ctx.rope).forEach((t) => t.dispose());
  }
}
