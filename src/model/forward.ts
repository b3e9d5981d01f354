// Full forward pass: embeddings → blocks → final norm → LM head. The layer loop is explicit so a caller
// can run it one block at a time (calibration statistics) with the same functions.
import { tf } from '../backend';
import { ModelConfig, layerShape } from './config';
import { block, AttentionLayout, BlockCapture, BlockGates, BlockProbes, causalMask, ropeTables, rmsNorm, layerNorm, linear } from './blocks';
import { DeviceWeights, blockTensors } from './device';

export interface ForwardOptions {
  /** Per-layer multipliers on hidden units (zero-mode pruning, Taylor importance). */
  gates?: (BlockGates | undefined)[];
  /** Return the module activations A_m of every block. */
  capture?: boolean;
  /** Attention layout; default: the one chosen for the backend in use (blocks.ts `attentionLayout`). */
  attention?: AttentionLayout;
  /** Per-layer additive probes on the module outputs (see BlockContext.probes). */
  probes?: (BlockProbes | undefined)[];
}

/** Token (+ learned position) embeddings, projected to dModel (OPT-350M). ids → [T, d]. */
export function embed(cfg: ModelConfig, w: DeviceWeights, ids: readonly number[]): tf.Tensor2D {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= cfg.vocabSize) throw new RangeError(`token id ${id} outside [0, ${cfg.vocabSize})`);
  }
  if (ids.length > cfg.maxSeq) throw new RangeError(`sequence of ${ids.length} tokens exceeds the context length ${cfg.maxSeq}`);
  const idx = tf.tensor1d(Int32Array.from(ids), 'int32');
  let x = tf.gather(w.embed, idx) as tf.Tensor2D;
  if (w.proj_in) x = linear(x, w.proj_in);
  if (cfg.positions === 'learned') {
    const pos = tf.tensor1d(
      Int32Array.from(ids, (_, i) => i + cfg.positionOffset),
      'int32',
    );
    x = tf.add(x, tf.gather(w.pos_embed, pos)) as tf.Tensor2D;
  }
  return x;
}

/** Shared per-sequence constants (mask, RoPE tables) for T tokens. */
export function sequenceContext(cfg: ModelConfig, T: number) {
  return {
    mask: causalMask(T),
    rope: cfg.positions === 'rope' ? ropeTables(T, cfg.dHead, cfg.ropeTheta, cfg.nHeads) : undefined,
  };
}

/** Final norm + LM head: x [T, d] → logits [T, vocab]. */
export function lmHead(cfg: ModelConfig, w: DeviceWeights, x: tf.Tensor2D): tf.Tensor2D {
  if (w.norm_f) x = cfg.norm === 'rms' ? rmsNorm(x, w.norm_f, cfg.normEps) : layerNorm(x, w.norm_f, w['norm_f.bias'], cfg.normEps);
  if (w.proj_out) x = linear(x, w.proj_out);
  return linear(x, w.lm_head, w['lm_head.bias']);
}

/**
 * Logits [T, vocab] for one sequence, with every weight resident (see device.ts `toDevice`).
 * Call inside tf.tidy; captured activations are returned as tensors owned by the caller.
 */
export function forward(
  cfg: ModelConfig,
  w: DeviceWeights,
  ids: readonly number[],
  opts: ForwardOptions = {},
): { logits: tf.Tensor2D; captures: BlockCapture[] } {
  const T = ids.length;
  const ctx = sequenceContext(cfg, T);
  let x = embed(cfg, w, ids);
  const captures: BlockCapture[] = [];
  for (let l = 0; l < cfg.nLayers; l++) {
    const r = block(x, blockTensors(w, l), {
      cfg,
      shape: layerShape(cfg, l),
      mask: ctx.mask,
      rope: ctx.rope,
      gates: opts.gates?.[l],
      capture: opts.capture,
      attention: opts.attention,
      probes: opts.probes?.[l],
    });
    x = r.out;
    captures.push(r.capture);
  }
  return { logits: lmHead(cfg, w, x), captures };
}
