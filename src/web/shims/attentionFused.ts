// The browser page's src/model/attentionFused.ts: the fused kernel is native (koffi) or node-only, so the page
// runs tfjs's per-head attention, the path every other backend without the native kernel takes.
import type { tf } from '../../backend';

export function useFusedAttention(): boolean {
  return false;
}

export function fusedCausalAttention(_q: tf.Tensor2D, _k: tf.Tensor2D, _v: tf.Tensor2D, _kvOf: number[], _dh: number): tf.Tensor2D {
  throw new Error('fused attention is not available in the browser');
}
