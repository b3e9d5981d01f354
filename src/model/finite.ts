// Non-finite values, caught where they appear and named. Weights are checked once at load (non-finite, or
// so large that float32 arithmetic overflows: |w| > MAX_ABS_WEIGHT); at run time the host data the code
// reads anyway (block outputs, NLLs, logits rows, Gram matrices) is scanned, an O(size) pass beside the
// O(size · width) work that produced it. When logits or NLLs go bad, `locateNonFinite` re-runs one window
// block by block to name the first layer and module that produced a non-finite value (failure path only).
import { tf } from '../backend';
import { ModelConfig, layerShape } from './config';
import { DeviceWeights, blockTensors } from './device';
import { block } from './blocks';
import { embed, sequenceContext, lmHead } from './forward';
import { ModelFormatError } from '../errors';

/**
 * Largest weight magnitude accepted at load. Trained LLM weights stay below ~1e3; a 3e38 weight is finite
 * but overflows the first matmul (ppl NaN), so it is refused where it is found, with its tensor named.
 */
export const MAX_ABS_WEIGHT = 1e6;

/** Index of the first non-finite value of `a`, or −1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** Throw a ModelFormatError naming `file` and `name` when a weight is non-finite or beyond ±MAX_ABS_WEIGHT. */
export function checkWeightValues(file: string, name: string, a: ArrayLike<number>): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) throw new ModelFormatError(file, `tensor "${name}" has a non-finite value (${v}) at index ${i}`);
    if (v > MAX_ABS_WEIGHT || v < -MAX_ABS_WEIGHT) {
      throw new ModelFormatError(
        file,
        `tensor "${name}" has a value ${v} at index ${i}, beyond ±${MAX_ABS_WEIGHT}: float32 arithmetic on it overflows (a corrupted or mis-scaled file)`,
      );
    }
  }
}

/** A value that became NaN or ±Infinity at run time; `where` names the layer/module or stage. */
export class NonFiniteError extends Error {
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`non-finite values in ${where}: ${detail}; check the model's weights (a weight too large for float32, or a damaged file)`);
    this.name = 'NonFiniteError';
  }
}

/** Throw NonFiniteError(where) if `a` holds a non-finite value. */
export function assertFinite(a: ArrayLike<number>, where: string, what = 'values'): void {
  const i = firstNonFinite(a);
  if (i >= 0) throw new NonFiniteError(where, `${what}[${i}] = ${a[i]}`);
}

async function hasNonFinite(t: tf.Tensor): Promise<number> {
  return firstNonFinite((await t.data()) as Float32Array);
}

/**
 * Run `ids` block by block and name the first stage whose output holds a non-finite value: "embedding",
 * "layers.{l}.attn" (attention hidden, before o), "layers.{l}.ffn" (FFN hidden, before down/fc2),
 * "layers.{l}" (block output), "logits". Returns null when every value is finite. Leaks no tensors.
 */
export async function locateNonFinite(cfg: ModelConfig, w: DeviceWeights, ids: readonly number[]): Promise<string | null> {
  const ctx = sequenceContext(cfg, ids.length);
  let x: tf.Tensor2D = tf.tidy(() => embed(cfg, w, ids));
  try {
    if ((await hasNonFinite(x)) >= 0) return 'embedding';
    for (let l = 0; l < cfg.nLayers; l++) {
      const prev: tf.Tensor2D = x;
      const r = tf.tidy(() => {
        const b = block(prev, blockTensors(w, l), { cfg, shape: layerShape(cfg, l), mask: ctx.mask, rope: ctx.rope, capture: true });
        return { out: b.out, ...b.capture };
      });
      x = r.out;
      prev.dispose();
      try {
        if (r.attnHidden && (await hasNonFinite(r.attnHidden)) >= 0) return `layers.${l}.attn`;
        if (r.ffnHidden && (await hasNonFinite(r.ffnHidden)) >= 0) return `layers.${l}.ffn`;
      } finally {
        r.attnHidden?.dispose();
        r.ffnHidden?.dispose();
      }
      if ((await hasNonFinite(x)) >= 0) return `layers.${l}`;
    }
    const logits = tf.tidy(() => lmHead(cfg, w, x));
    try {
      return (await hasNonFinite(logits)) >= 0 ? 'logits' : null;
    } finally {
      logits.dispose();
    }
  } finally {
    x.dispose();
    ctx.mask.dispose();
    if (ctx.rope) Object.values(ctx.rope).forEach((t) => t.dispose());
  }
}

/** The NonFiniteError for a window whose logits/NLL went bad, naming the first stage that produced it. */
export async function diagnoseNonFinite(cfg: ModelConfig, w: DeviceWeights, ids: readonly number[], what: string): Promise<NonFiniteError> {
  const where = (await locateNonFinite(cfg, w, ids)) ?? 'the loss (logits are finite but too large for log-sum-exp)';
  return new NonFiniteError(where, what);
}
