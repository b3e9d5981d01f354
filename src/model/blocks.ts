// Block functions as small pure tensor functions. References: llama2.c run.c `forward` (LLaMA),
// Hugging Face `modeling_opt.py` OPTDecoderLayer (OPT). Shapes: T tokens, d = dModel, dh = dHead.
// None of them disposes its arguments; callers run them inside tf.tidy.
import { tf } from '../backend';
import { ModelConfig, LayerShape, kvIndexOfHeads } from './config';
import { attentionBatched } from './attentionBatched';
import { fusedCausalAttention, useFusedAttention } from './attentionFused';
import { blasMatMul, useBlasMatMul } from './linearBlas';

/** The tensors of one block, keyed without the `layers.{l}.` prefix (layout: hostTensor.ts). */
export type BlockTensors = Record<string, tf.Tensor>;

/** Per-block multipliers on hidden units (1 = keep, 0 = prune); used for zero-mode pruning and Taylor scores. */
export interface BlockGates {
  ffn?: tf.Tensor1D; // [dFF_l]
  heads?: tf.Tensor1D; // [nHeads_l]
}

/** What a block hands back besides its output: the module hidden activations A_m (inputs of the down projections). */
export interface BlockCapture {
  ffnHidden?: tf.Tensor2D; // [T, dFF_l]
  attnHidden?: tf.Tensor2D; // [T, nHeads_l·dh]
}

/** RMSNorm as run.c: x / sqrt(mean(x²) + eps) · w. x [T, d], w [d]. */
export function rmsNorm(x: tf.Tensor2D, w: tf.Tensor, eps: number): tf.Tensor2D {
  const ms = tf.mean(tf.square(x), 1, true); // [T, 1]
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w) as tf.Tensor2D;
}

/** LayerNorm as torch.nn.LayerNorm (biased variance). x [T, d]. */
export function layerNorm(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), w), b) as tf.Tensor2D;
}

/** x[T, in] @ W[in, out] (+ b): the wasm fast path (no transpose flags); OpenBLAS on wasm/cpu when active (linearBlas.ts). */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor): tf.Tensor2D {
  const y = useBlasMatMul() ? blasMatMul(x, w as tf.Tensor2D) : (tf.matMul(x, w as tf.Tensor2D) as tf.Tensor2D);
  return b ? (tf.add(y, b) as tf.Tensor2D) : y;
}

/**
 * RoPE tables for positions pos0..pos0+T−1 expanded to [T, n·dh] (n heads), so that rotation is
 * elementwise: y = x ⊙ cos + (x R) ⊙ sin, with R the per-pair 90° rotation (x R)[2i] = −x[2i+1],
 * (x R)[2i+1] = x[2i]. freq_i = θ^(−2i/dh) and angle = pos·freq in float32, as run.c.
 * (Split/concat on a rank-4 view is 10× slower on wasm than this matMul form.)
 */
export function ropeTables(T: number, dh: number, theta: number, nHeads: number, pos0 = 0): { cos: tf.Tensor2D; sin: tf.Tensor2D; rot: tf.Tensor2D } {
  const width = nHeads * dh;
  const c = new Float32Array(T * width);
  const s = new Float32Array(T * width);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < dh / 2; i++) {
      const freq = Math.fround(1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / dh))));
      const val = Math.fround((pos0 + t) * freq);
      const cv = Math.cos(val);
      const sv = Math.sin(val);
      for (let h = 0; h < nHeads; h++) {
        const o = t * width + h * dh + 2 * i;
        c[o] = c[o + 1] = cv;
        s[o] = s[o + 1] = sv;
      }
    }
  }
  const r = new Float32Array(width * width); // [in, out]
  for (let j = 0; j < width; j += 2) {
    r[(j + 1) * width + j] = -1; // out[2i] = −in[2i+1]
    r[j * width + j + 1] = 1; // out[2i+1] = in[2i]
  }
  return { cos: tf.tensor2d(c, [T, width]), sin: tf.tensor2d(s, [T, width]), rot: tf.tensor2d(r, [width, width]) };
}

export type Rope = ReturnType<typeof ropeTables>;

/** Rotate interleaved pairs (2i, 2i+1) of the first n heads of x [T, n·dh] (tables built for ≥ n heads). */
export function applyRope(x: tf.Tensor2D, rope: Rope): tf.Tensor2D {
  const [T, w] = x.shape;
  const full = rope.cos.shape[1];
  const cos = w === full ? rope.cos : tf.slice(rope.cos, [0, 0], [T, w]);
  const sin = w === full ? rope.sin : tf.slice(rope.sin, [0, 0], [T, w]);
  const rot = w === full ? rope.rot : tf.slice(rope.rot, [0, 0], [w, w]);
  return tf.add(tf.mul(x, cos), tf.mul(tf.matMul(x, rot), sin)) as tf.Tensor2D;
}

/** Additive causal mask [T, T]: 0 on and below the diagonal, −1e9 above. */
export function causalMask(T: number): tf.Tensor2D {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
  return tf.tensor2d(m, [T, T]);
}

/**
 * Multi-head causal self-attention with GQA, one 2-D matMul per head (wasm fast path; STACK.md).
 * q [T, nH·dh] already multiplied by the score scale, k, v [T, nKv·dh]. Returns the per-head outputs
 * softmax(q_h k_hᵀ + mask) v_h, each [T, dh]: together they are the attention module's hidden activations
 * A_attn (before the output projection). Heads are split with one op (cheaper than per-head slices).
 */
export function attentionHeads(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, kvOf: number[], dh: number, mask: tf.Tensor2D): tf.Tensor2D[] {
  const nH = kvOf.length;
  const nKv = k.shape[1] / dh;
  const qs = nH === 1 ? [q] : tf.split(q, nH, 1);
  const kT = tf.transpose(k); // [nKv·dh, T]: row blocks are contiguous
  const ks = nKv === 1 ? [kT] : tf.split(kT, nKv, 0);
  const vs = nKv === 1 ? [v] : tf.split(v, nKv, 1);
  return qs.map((qh, h) => tf.matMul(tf.softmax(tf.add(tf.matMul(qh, ks[kvOf[h]]), mask)), vs[kvOf[h]]));
}

/**
 * How attention is laid out: 'perHead' (one 2-D matMul per head, Σ_h by AddN: the wasm fast path) or
 * 'batched' (3-D matMuls over all heads, attentionBatched.ts: the GPU path, fewer dispatches).
 */
export type AttentionLayout = 'perHead' | 'batched';

/**
 * The layout for the backend in use: env STRUCTPRUNE_ATTENTION_LAYOUT=perHead|batched when set, else per head on
 * every backend. Measured (scripts/bench-attention-layout.ts, README "WebGPU"): per head is faster on wasm
 * (2.4–3.5×) and on webgpu over software Vulkan (1.3–1.7×); on a real GPU the device check measures both.
 */
export function attentionLayout(): AttentionLayout {
  const env = typeof process === 'undefined' ? undefined : process.env.STRUCTPRUNE_ATTENTION_LAYOUT; // no `process` in the browser page
  if (env === 'perHead' || env === 'batched') return env;
  if (env) throw new Error(`STRUCTPRUNE_ATTENTION_LAYOUT="${env}" is not one of perHead|batched (unset it for the default)`);
  return 'perHead';
}

export interface BlockContext {
  cfg: ModelConfig;
  /** Attention layout; default {@link attentionLayout} for the backend in use. */
  attention?: AttentionLayout;
  shape: LayerShape;
  mask: tf.Tensor2D;
  rope?: Rope;
  gates?: BlockGates;
  capture?: boolean;
  /** Tensors [T, d] added to each module's output (the down projection's, before the residual add): zeros whose
   * gradient is ∂ℒ/∂y_m, the loss sensitivity of the module output (src/prune/blockBackward.ts). */
  probes?: BlockProbes;
}

/** Additive probes on the module outputs y_m (see BlockContext.probes). */
export interface BlockProbes {
  attn?: tf.Tensor2D;
  ffn?: tf.Tensor2D;
}

/** One transformer block: x [T, d] → x' [T, d], plus captured module activations. */
export function block(x: tf.Tensor2D, w: BlockTensors, ctx: BlockContext): { out: tf.Tensor2D; capture: BlockCapture } {
  const { cfg, shape } = ctx;
  const dh = cfg.dHead;
  const nH = shape.heads.length;
  const norm = (z: tf.Tensor2D, key: string) => (cfg.norm === 'rms' ? rmsNorm(z, w[key], cfg.normEps) : layerNorm(z, w[key], w[key + '.bias'], cfg.normEps));
  const capture: BlockCapture = {};

  // ---- attention module ----
  let h = cfg.preNorm ? norm(x, 'attn_norm') : x;
  if (nH > 0 && (ctx.attention ?? attentionLayout()) === 'batched') {
    x = attentionModuleBatched(x, h, w, ctx, capture);
  } else if (nH > 0) {
    const { q, k, v } = queryKeyValue(h, w, ctx);
    if (useFusedAttention()) {
      // wasm/cpu: all heads in one op (attentionFused.ts), then one [T, nH·dh] @ Wo matMul
      let att = fusedCausalAttention(q, k, v, kvIndexOfHeads(cfg, shape), dh);
      if (ctx.gates?.heads) att = tf.mul(att, tf.reshape(tf.tile(tf.reshape(ctx.gates.heads, [nH, 1]), [1, dh]), [1, nH * dh])) as tf.Tensor2D;
      if (ctx.capture) capture.attnHidden = att;
      let o = linear(att, w['attn.o']);
      if (w['attn.o.bias']) o = tf.add(o, w['attn.o.bias']);
      if (ctx.probes?.attn) o = tf.add(o, ctx.probes.attn);
      x = tf.add(x, o) as tf.Tensor2D;
    } else {
      let heads = attentionHeads(q, k, v, kvIndexOfHeads(cfg, shape), dh, ctx.mask);
      if (ctx.gates?.heads) {
        const g = tf.unstack(ctx.gates.heads);
        heads = heads.map((a, i) => tf.mul(a, g[i]) as tf.Tensor2D);
      }
      if (ctx.capture) capture.attnHidden = heads.length === 1 ? heads[0] : (tf.concat(heads, 1) as tf.Tensor2D);
      // x += Σ_h a_h Wo[h·dh:(h+1)·dh, :]  (avoids a slow column concat on wasm)
      const wo = nH === 1 ? [w['attn.o']] : tf.split(w['attn.o'], nH, 0);
      let o = tf.addN(heads.map((a, i) => tf.matMul(a, wo[i] as tf.Tensor2D)));
      if (w['attn.o.bias']) o = tf.add(o, w['attn.o.bias']);
      if (ctx.probes?.attn) o = tf.add(o, ctx.probes.attn);
      x = tf.add(x, o) as tf.Tensor2D;
    }
  } else if (w['attn.o.bias']) {
    x = tf.add(x, w['attn.o.bias']) as tf.Tensor2D; // every head removed: only the output bias remains
  }
  if (!cfg.preNorm) x = norm(x, 'attn_norm');

  // ---- FFN module ----
  h = cfg.preNorm ? norm(x, 'ffn_norm') : x;
  if (shape.ffn.length > 0) {
    let a: tf.Tensor2D;
    if (cfg.activation === 'swiglu') {
      const g = linear(h, w['ffn.gate']);
      a = tf.mul(tf.mul(g, tf.sigmoid(g)), linear(h, w['ffn.up'])) as tf.Tensor2D; // silu(gate)·up
    } else {
      a = tf.relu(linear(h, w['ffn.fc1'], w['ffn.fc1.bias']));
    }
    if (ctx.gates?.ffn) a = tf.mul(a, ctx.gates.ffn) as tf.Tensor2D;
    if (ctx.capture) capture.ffnHidden = a;
    const down = cfg.activation === 'swiglu' ? 'ffn.down' : 'ffn.fc2';
    let y = linear(a, w[down], w[down + '.bias']);
    if (ctx.probes?.ffn) y = tf.add(y, ctx.probes.ffn) as tf.Tensor2D;
    x = tf.add(x, y) as tf.Tensor2D;
  } else if (w['ffn.fc2.bias']) {
    x = tf.add(x, w['ffn.fc2.bias']) as tf.Tensor2D;
  }
  if (!cfg.preNorm) x = norm(x, 'ffn_norm');
  return { out: x, capture };
}

/** The attention projections of both layouts: q (scaled by 1/√d_h), k, v [T, ·], RoPE applied to q and k. */
function queryKeyValue(h: tf.Tensor2D, w: BlockTensors, ctx: BlockContext): { q: tf.Tensor2D; k: tf.Tensor2D; v: tf.Tensor2D } {
  const { cfg } = ctx;
  // HF OPT scales q after its bias; llama2.c scales the scores: the same product either way.
  let q = tf.mul(linear(h, w['attn.q'], w['attn.q.bias']), 1 / Math.sqrt(cfg.dHead)) as tf.Tensor2D;
  let k = linear(h, w['attn.k'], w['attn.k.bias']);
  const v = linear(h, w['attn.v'], w['attn.v.bias']);
  if (cfg.positions === 'rope') {
    q = applyRope(q, ctx.rope!);
    k = applyRope(k, ctx.rope!);
  }
  return { q, k, v };
}

/**
 * The attention module of `block` in the batched layout: x [T, d] → x + attention(h) (h = x normed when
 * pre-norm). Sets capture.attnHidden when asked. Same projections as blocks.ts's per-head path.
 */
function attentionModuleBatched(x: tf.Tensor2D, h: tf.Tensor2D, w: BlockTensors, ctx: BlockContext, capture: BlockCapture): tf.Tensor2D {
  const { cfg, shape } = ctx;
  const dh = cfg.dHead;
  const { q, k, v } = queryKeyValue(h, w, ctx);
  const hidden = attentionBatched(q, k, v, kvIndexOfHeads(cfg, shape), dh, ctx.mask, ctx.gates?.heads);
  if (ctx.capture) capture.attnHidden = hidden;
  let o = linear(hidden, w['attn.o'], w['attn.o.bias']);
  if (ctx.probes?.attn) o = tf.add(o, ctx.probes.attn);
  return tf.add(x, o) as tf.Tensor2D;
}
