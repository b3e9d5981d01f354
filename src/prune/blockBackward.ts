// Loss sensitivity of every module output (METHOD.md §3b): the gradient g_t = ∂ℒ_Σ/∂y_{m,t} of the summed
// next-token cross-entropy ℒ_Σ of the calibration windows with respect to each module's output y_m (the
// down projection's output, before the residual add), accumulated into G_m[k] = Σ_t g_{t,k}² per output
// channel k (the diagonal empirical-Fisher factor on the module output).
//
// Two ways to get the same numbers:
// - `blockwiseOutputGradients` (StructPrune, O(√N) device memory): a forward pass one block at a time keeps
//   every block's input on the host; the LM head gives ∂ℒ_Σ/∂x_L; then block l = L−1 … 0 is uploaded alone,
//   its activations are recomputed from the stored input, and one vector–Jacobian product with dy = the
//   gradient at the block's output gives both the gradient at its input (handed down to block l−1) and the
//   gradients at its two module outputs. The device holds one block plus one window's activations; the LM
//   head takes one window in chunks of positions (headChunk.ts), so its O(T·V) logits never sit on the device.
// - `wholeModelOutputGradients` (the O(N) `global` reference and the test oracle): every weight resident,
//   one backward pass through the full model per window.
// The module outputs are reached through additive zero probes (BlockContext.probes), so ∂ℒ/∂probe = ∂ℒ/∂y_m.
import '@tensorflow/tfjs-core/dist/register_all_gradients'; // gradient kernels: tfjs-core registers none by itself
import { tf } from '../backend';
import { Model } from '../model/model';
import { layerShape } from '../model/config';
import { block, BlockProbes } from '../model/blocks';
import { uploadBlock, uploadWeights, disposeWeights, DeviceWeights, toDevice, blockTensors } from '../model/device';
import { embedWindows, runBlock } from '../model/blockRunner';
import { embed, lmHead, sequenceContext } from '../model/forward';
import { ModuleSpec, moduleSpecs } from './coupling';
import { headChunkPositions } from './headChunk';

/** Per-module output sensitivities, in moduleSpecs() order (`layers.{l}.attn`, `layers.{l}.ffn`, …). */
export interface OutputGradients {
  ids: string[];
  /** G_m[k] = Σ_windows Σ_t (∂ℒ_Σ/∂y_{t,k})², [d] float64 (all zeros for a module with no units). */
  G: Float64Array[];
  /** Mean next-token cross-entropy of the model on the windows (nats per predicted token). */
  loss: number;
  /** Predicted positions: windows × (seqlen − 1). */
  predicted: number;
  /** Positions: windows × seqlen. */
  positions: number;
}

/** Options of the output-gradient passes. */
export interface OutputGradientOptions {
  /** Called after each block (block-wise) or window (whole model) with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Sees every raw gradient ∂ℒ_Σ/∂y_m [T·d] of every window (tests; host data, valid during the call). */
  onGradient?: (window: number, id: string, g: Float32Array) => void;
  /** Sees the captured hidden activations A_m [T·n] and ∂ℒ_Σ/∂y_m [T·d] of every window (whole model only). */
  onCapture?: (window: number, id: string, a: Float32Array, g: Float32Array) => void;
  /** The model's modules when the caller has them (prune computes them once); default moduleSpecs(model). */
  specs?: readonly ModuleSpec[];
  /** Positions per LM-head chunk of the block-wise pass (default headChunkPositions(V, T): one chunk unless T·V > 2²²). */
  headChunk?: number;
}

/** Σ_t −log softmax(logits[t])[ids[t+1]] over t = 0 … T−2 (the window's summed next-token NLL). */
export function windowNllSum(logits: tf.Tensor2D, ids: readonly number[]): tf.Scalar {
  const [T, V] = logits.shape;
  return nllSum(tf.slice(logits, [0, 0], [T - 1, V]), ids.slice(1));
}

/** Σ_r −log softmax(logits[r])[targets[r]] over every row (logits [R, V], R = targets.length). */
function nllSum(logits: tf.Tensor2D, targets: readonly number[]): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  const target = tf.oneHot(tf.tensor1d(Int32Array.from(targets), 'int32'), logits.shape[1]);
  return tf.neg(tf.sum(tf.mul(logp, target))) as tf.Scalar;
}

/**
 * The summed next-token NLL of one window and its gradient at the LM head's input x [T, d] (host data), with
 * the head taped over at most `chunk` of the T − 1 predicting positions at a time. The last position predicts
 * nothing: its rows of the gradient are 0.
 */
async function headLossAndGradient(
  cfg: Model['config'],
  hw: DeviceWeights,
  x: Float32Array,
  ids: readonly number[],
  chunk: number,
): Promise<{ loss: number; dx: Float32Array }> {
  const T = ids.length;
  const d = cfg.dModel;
  const dx = new Float32Array(T * d);
  let loss = 0;
  for (let t0 = 0; t0 < T - 1; t0 += chunk) {
    const t1 = Math.min(T - 1, t0 + chunk);
    const targets = ids.slice(t0 + 1, t1 + 1);
    const xt = tf.tensor2d(x.subarray(t0 * d, t1 * d), [t1 - t0, d]);
    const { value, grad } = tf.valueAndGrad((xx: tf.Tensor) => nllSum(lmHead(cfg, hw, xx as tf.Tensor2D), targets))(xt);
    try {
      loss += (await value.data())[0];
      dx.set((await grad.data()) as Float32Array, t0 * d);
    } finally {
      tf.dispose([xt, value, grad]);
    }
  }
  return { loss, dx };
}

function checkWindows(model: Model, windows: readonly number[][]): number {
  if (!windows.length) throw new RangeError('output gradients: no calibration windows');
  const T = windows[0].length;
  if (T < 2) throw new RangeError(`output gradients: windows need ≥ 2 tokens (one prediction), got ${T}`);
  if (windows.some((w) => w.length !== T)) throw new RangeError('output gradients: calibration windows must all have the same length');
  if (T > model.config.maxSeq) throw new RangeError(`output gradients: window length ${T} exceeds the context length ${model.config.maxSeq}`);
  return T;
}

/** Σ_t g_{t,k}² of a [T, d] gradient, added into acc[d]. */
function addSquares(acc: Float64Array, g: Float32Array, d: number): void {
  for (let i = 0; i < g.length; i++) acc[i % d] += g[i] * g[i];
}

/** The LM-head weights (final norm, output projection, head; a tied head as the embedding's transpose). */
export function uploadHead(model: Model): DeviceWeights {
  const keys = ['norm_f', 'norm_f.bias', 'proj_out', 'lm_head', 'lm_head.bias'].filter((k) => model.weights[k]);
  const dw = uploadWeights(model.weights, keys);
  if (!dw.lm_head) {
    const e = uploadWeights(model.weights, ['embed']);
    dw.lm_head = tf.transpose(e.embed);
    disposeWeights(e);
  }
  return dw;
}

/**
 * ∂ℒ_Σ/∂y_m of every module by a block-by-block backward pass (one block resident on the device; block inputs
 * and the boundary gradients on the host). Leaks no tensors; returns host data only.
 */
export async function blockwiseOutputGradients(model: Model, windows: readonly number[][], opts: OutputGradientOptions = {}): Promise<OutputGradients> {
  const T = checkWindows(model, windows);
  const cfg = model.config;
  const d = cfg.dModel;
  const specs = opts.specs ?? moduleSpecs(cfg, model.weights);
  const G = specs.map(() => new Float64Array(d));
  // Forward, one block at a time; inputs[l][w] is block l's input of window w.
  const inputs: Float32Array[][] = [await embedWindows(model, windows)];
  for (let l = 0; l < cfg.nLayers; l++) inputs.push(await runBlock(model, l, inputs[l], T));
  // Head: loss and ∂ℒ_Σ/∂x_L.
  let lossSum = 0;
  const dx: Float32Array[] = [];
  const chunk = opts.headChunk ?? headChunkPositions(cfg.vocabSize, T);
  if (!(Number.isInteger(chunk) && chunk >= 1)) throw new RangeError(`output gradients: headChunk must be an integer ≥ 1, got ${chunk}`);
  const hw = uploadHead(model);
  try {
    for (let w = 0; w < windows.length; w++) {
      const r = await headLossAndGradient(cfg, hw, inputs[cfg.nLayers][w], windows[w], chunk);
      lossSum += r.loss;
      dx.push(r.dx);
    }
  } finally {
    disposeWeights(hw);
  }
  inputs.pop(); // x_L is no longer needed
  // Backward, block L−1 … 0.
  for (let l = cfg.nLayers - 1; l >= 0; l--) {
    const shape = layerShape(cfg, l);
    const hasAttn = shape.heads.length > 0;
    const hasFfn = shape.ffn.length > 0;
    const iA = specs.findIndex((s) => s.id === `layers.${l}.attn`);
    const iF = specs.findIndex((s) => s.id === `layers.${l}.ffn`);
    const bw = uploadBlock(model.weights, l);
    const ctx = sequenceContext(cfg, T);
    try {
      for (let w = 0; w < windows.length; w++) {
        const x = tf.tensor2d(inputs[l][w], [T, d]);
        const dy = tf.tensor2d(dx[w], [T, d]);
        const args: tf.Tensor[] = [x];
        if (hasAttn) args.push(tf.zeros([T, d]));
        if (hasFfn) args.push(tf.zeros([T, d]));
        const f = (...a: tf.Tensor[]): tf.Tensor => {
          const probes: BlockProbes = {};
          if (hasAttn) probes.attn = a[1] as tf.Tensor2D;
          if (hasFfn) probes.ffn = a[hasAttn ? 2 : 1] as tf.Tensor2D;
          return block(a[0] as tf.Tensor2D, bw, { cfg, shape, mask: ctx.mask, rope: ctx.rope, probes }).out;
        };
        const grads = tf.grads(f)(args, dy);
        try {
          dx[w] = (await grads[0].data()) as Float32Array;
          let k = 1;
          for (const [has, i] of [
            [hasAttn, iA],
            [hasFfn, iF],
          ] as const) {
            if (!has) continue;
            const g = (await grads[k++].data()) as Float32Array;
            addSquares(G[i], g, d);
            opts.onGradient?.(w, specs[i].id, g);
          }
        } finally {
          tf.dispose([...args, dy, ...grads]);
        }
      }
    } finally {
      disposeWeights(bw);
      ctx.mask.dispose();
      if (ctx.rope) Object.values(ctx.rope).forEach((t) => t.dispose());
    }
    inputs[l] = []; // release the host copy as we go
    opts.onProgress?.(cfg.nLayers - l, cfg.nLayers);
  }
  return { ids: specs.map((s) => s.id), G, loss: lossSum / (windows.length * (T - 1)), predicted: windows.length * (T - 1), positions: windows.length * T };
}

/**
 * The same ∂ℒ_Σ/∂y_m with every weight resident and one backward pass through the whole model per window
 * (O(N) device memory: all weights plus every layer's saved activations). Leaks no tensors.
 */
export async function wholeModelOutputGradients(model: Model, windows: readonly number[][], opts: OutputGradientOptions = {}): Promise<OutputGradients> {
  const T = checkWindows(model, windows);
  const cfg = model.config;
  const d = cfg.dModel;
  const specs = opts.specs ?? moduleSpecs(cfg, model.weights);
  const G = specs.map(() => new Float64Array(d));
  const live = specs.map((s, i) => ({ s, i })).filter(({ s }) => s.units.length > 0);
  let lossSum = 0;
  const dm = toDevice(model);
  const ctx = sequenceContext(cfg, T);
  try {
    for (let w = 0; w < windows.length; w++) {
      const ids = windows[w];
      const probes = live.map(() => tf.zeros([T, d]));
      const f = (...p: tf.Tensor[]): tf.Scalar => {
        const rec: BlockProbes[] = Array.from({ length: cfg.nLayers }, () => ({}));
        live.forEach(({ s }, k) => (rec[s.layer][s.kind] = p[k] as tf.Tensor2D));
        let x = embed(cfg, dm.weights, ids);
        for (let l = 0; l < cfg.nLayers; l++) {
          x = block(x, blockTensors(dm.weights, l), { cfg, shape: layerShape(cfg, l), mask: ctx.mask, rope: ctx.rope, probes: rec[l] }).out;
        }
        return windowNllSum(lmHead(cfg, dm.weights, x), ids);
      };
      const { value, grads } = tf.valueAndGrads(f)(probes);
      let caps: tf.Tensor2D[] | undefined;
      try {
        lossSum += (await value.data())[0];
        if (opts.onCapture) {
          caps = tf.tidy(() => {
            let x = embed(cfg, dm.weights, ids);
            const out: tf.Tensor2D[] = [];
            for (let l = 0; l < cfg.nLayers; l++) {
              const r = block(x, blockTensors(dm.weights, l), { cfg, shape: layerShape(cfg, l), mask: ctx.mask, rope: ctx.rope, capture: true });
              x = r.out;
              for (const { s } of live) if (s.layer === l) out.push((s.kind === 'attn' ? r.capture.attnHidden : r.capture.ffnHidden)!);
            }
            return out;
          });
        }
        for (let k = 0; k < live.length; k++) {
          const { s, i } = live[k];
          const g = (await grads[k].data()) as Float32Array;
          addSquares(G[i], g, d);
          opts.onGradient?.(w, s.id, g);
          if (caps) opts.onCapture!(w, s.id, (await caps[k].data()) as Float32Array, g);
        }
      } finally {
        tf.dispose([value, ...grads, ...probes, ...(caps ?? [])]);
      }
      opts.onProgress?.(w + 1, windows.length);
    }
  } finally {
    dm.dispose();
    ctx.mask.dispose();
    if (ctx.rope) Object.values(ctx.rope).forEach((t) => t.dispose());
  }
  return { ids: specs.map((s) => s.id), G, loss: lossSum / (windows.length * (T - 1)), predicted: windows.length * (T - 1), positions: windows.length * T };
}
