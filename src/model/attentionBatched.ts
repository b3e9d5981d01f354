// Attention as batched 3-D matMuls over all heads at once: the webgpu layout. The wasm layout
// (blocks.ts `attentionHeads`: one small 2-D matMul per head, then Σ_h a_h·Wo_h by AddN) dispatches
// 4·nH + 1 kernels per block; on a GPU every dispatch costs a pass and a pipeline lookup, and the AddN of
// nH inputs binds nH + 1 storage buffers. Here: one matMul for the scores, one softmax, one matMul with V,
// then one projection of the concatenated heads [T, nH·dh] by Wo. Same mathematics, same outputs
// (measured against the per-head layout in test/model/attentionBatched.test.ts).
// Which layout runs is chosen per backend in blocks.ts (`attentionLayout`).
import { tf } from '../backend';
import { kvIndexOfHeads } from './config';
import { applyRope, linear, BlockCapture, BlockContext, BlockTensors } from './blocks';

/**
 * q [T, nH·dh] (already scaled), k, v [T, nKv·dh], kvOf[h] = KV head of query head h, mask [T, T] additive.
 * Returns the head outputs concatenated, [T, nH·dh] (the attention module's hidden activations A_attn),
 * each head multiplied by its gate when `gates` [nH] is given.
 */
export function attentionBatched(
  q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, kvOf: number[], dh: number, mask: tf.Tensor2D, gates?: tf.Tensor1D,
): tf.Tensor2D {
  const T = q.shape[0];
  const nH = kvOf.length;
  const nKv = k.shape[1] / dh;
  const heads = (x: tf.Tensor2D, n: number) => tf.transpose(tf.reshape(x, [T, n, dh]), [1, 0, 2]) as tf.Tensor3D; // [n, T, dh]
  const qh = heads(q, nH);
  let kh = heads(k, nKv);
  let vh = heads(v, nKv);
  const identity = nKv === nH && kvOf.every((j, h) => j === h);
  if (!identity) {
    const idx = tf.tensor1d(Int32Array.from(kvOf), 'int32');
    kh = tf.gather(kh, idx) as tf.Tensor3D;
    vh = tf.gather(vh, idx) as tf.Tensor3D;
  }
  const scores = tf.add(tf.matMul(qh, kh, false, true), mask); // [nH, T, T]
  let out = tf.matMul(tf.softmax(scores), vh) as tf.Tensor3D; // [nH, T, dh]
  if (gates) out = tf.mul(out, tf.reshape(gates, [nH, 1, 1]));
  return tf.reshape(tf.transpose(out, [1, 0, 2]), [T, nH * dh]) as tf.Tensor2D;
}

/**
 * The attention module of `block` in the batched layout: x [T, d] → x + attention(h) (h = x normed when
 * pre-norm). Sets capture.attnHidden when asked. Same projections as blocks.ts's per-head path.
 */
export function attentionModuleBatched(x: tf.Tensor2D, h: tf.Tensor2D, w: BlockTensors, ctx: BlockContext, capture: BlockCapture): tf.Tensor2D {
  const { cfg, shape } = ctx;
  const dh = cfg.dHead;
  let q = tf.mul(linear(h, w['attn.q'], w['attn.q.bias']), 1 / Math.sqrt(dh)) as tf.Tensor2D;
  let k = linear(h, w['attn.k'], w['attn.k.bias']);
  const v = linear(h, w['attn.v'], w['attn.v.bias']);
  if (cfg.positions === 'rope') {
    q = applyRope(q, ctx.rope!);
    k = applyRope(k, ctx.rope!);
  }
  const hidden = attentionBatched(q, k, v, kvIndexOfHeads(cfg, shape), dh, ctx.mask, ctx.gates?.heads);
  if (ctx.capture) capture.attnHidden = hidden;
  return tf.add(x, linear(hidden, w['attn.o'], w['attn.o.bias'])) as tf.Tensor2D;
}
