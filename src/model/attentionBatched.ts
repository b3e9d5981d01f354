// Attention as batched 3-D matMuls over all heads at once: the webgpu layout. The wasm layout
// (blocks.ts `attentionHeads`: one small 2-D matMul per head, then Σ_h a_h·Wo_h by AddN) dispatches
// 4·nH + 1 kernels per block; on a GPU every dispatch costs a pass and a pipeline lookup, and the AddN of
// nH inputs binds nH + 1 storage buffers. Here: one matMul for the scores, one softmax, one matMul with V,
// then one projection of the concatenated heads [T, nH·dh] by Wo. Same mathematics, same outputs
// (measured against the per-head layout in test/model/attentionBatched.test.ts).
// Which layout runs is chosen in blocks.ts (`attentionLayout`, `attentionModuleBatched`). This file imports
// nothing from blocks.ts: tslab's notebook loader cannot load modules that import each other.
import { tf } from '../backend';

/**
 * q [T, nH·dh] (already scaled), k, v [T, nKv·dh], kvOf[h] = KV head of query head h, mask [T, T] additive.
 * Returns the head outputs concatenated, [T, nH·dh] (the attention module's hidden activations A_attn),
 * each head multiplied by its gate when `gates` [nH] is given.
 */
export function attentionBatched(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  kvOf: number[],
  dh: number,
  mask: tf.Tensor2D,
  gates?: tf.Tensor1D,
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
