// `global` (METHOD.md §6), the O(N) reference method: the whole model resident as tensors, every hidden unit
// scored by first-order Taylor importance through the full model, one threshold on importance/cost.
//
// Every unit j gets a multiplier g_j = 1 on its hidden activation (the `gates` of forward(): FFN neuron j
// scales column j of A_ffn, head h scales its d_h columns of A_attn). With ℒ the LM cross-entropy on the
// calibration batch (mean over every predicted position: targets ids[1..T−1] of each window), removing unit j
// sets g_j = 0, so to first order Δℒ_j ≈ −∂ℒ/∂g_j and the importance is I_j = |Σ_t ∂ℒ/∂g_j| (the sum over
// tokens is inside the derivative: g_j multiplies unit j at every token). ∂ℒ/∂g comes from backpropagation
// through all layers (tf.valueAndGrads), so the device holds every weight plus the activations of every layer
// saved for the backward pass: O(N) memory. Windows are processed `windowsPerPass` at a time and the signed
// gradients are summed on the host in float64 before the absolute value: ℒ is a mean over equal-length
// windows, so this is the batch gradient exactly, with activations for one pass resident.
import '@tensorflow/tfjs-core/dist/register_all_gradients'; // gradient kernels: tfjs-core registers none by itself
import { tf } from '../backend';
import { read } from '../util/read';
import { Model } from '../model/model';
import { toDevice } from '../model/device';
import { forward } from '../model/forward';
import { BlockGates } from '../model/blocks';
import { moduleSpecs, ModuleSpec } from './coupling';
import { thresholdProjection } from './projection';
import { RemovedMask } from './slice';

/** Options of {@link taylorImportance} and {@link globalMask}. */
export interface GlobalOptions {
  /** Calibration windows per forward/backward pass (default 1). Activation memory grows with it; the result does not change. */
  windowsPerPass?: number;
  /** Called after each pass with (windows done, total windows). */
  onProgress?: (done: number, total: number) => void;
  /** The model's modules when the caller has them (prune computes them once); default moduleSpecs(model). */
  specs?: readonly ModuleSpec[];
}

/** First-order Taylor importance of every unit (host data). */
export interface TaylorImportance {
  /** Module ids in moduleSpecs() order (`layers.{l}.attn|ffn`). */
  ids: string[];
  /** I_j = |∂ℒ/∂g_j| per module, indexed like ModuleSpec.units (length 0 for a module with no units left). */
  importance: Float64Array[];
  /** Signed ∂ℒ/∂g_j (same layout). */
  gradient: Float64Array[];
  /** ℒ: mean next-token cross-entropy of the model on the windows (nats per predicted token). */
  loss: number;
  /** Predicted positions: windows × (seqlen − 1). */
  tokens: number;
}

/** Σ over positions 0..T−2 of −log softmax(logits[t])[ids[t+1]]: the window's summed next-token NLL. */
function windowNll(logits: tf.Tensor2D, ids: readonly number[]): tf.Scalar {
  const [T, V] = logits.shape;
  const logp = tf.logSoftmax(tf.slice(logits, [0, 0], [T - 1, V]));
  const target = tf.oneHot(tf.tensor1d(Int32Array.from(ids.slice(1)), 'int32'), V);
  return tf.neg(tf.sum(tf.mul(logp, target))) as tf.Scalar;
}

/** Gates g = 1 [n_m] for every module that still has units (`order[k]` = the spec index of `flat[k]`). */
function makeGates(specs: readonly ModuleSpec[]): { flat: tf.Tensor1D[]; order: number[] } {
  const flat: tf.Tensor1D[] = [];
  const order: number[] = [];
  specs.forEach((s, i) => {
    if (s.units.length === 0) return; // no unit, no gate: it could not reach the loss
    flat.push(tf.ones([s.units.length]) as tf.Tensor1D);
    order.push(i);
  });
  return { flat, order };
}

/** The per-layer gate record forward() takes, from gate tensors in `order`. */
function gateRecord(specs: readonly ModuleSpec[], order: readonly number[], g: readonly tf.Tensor[], nLayers: number): BlockGates[] {
  const byLayer: BlockGates[] = Array.from({ length: nLayers }, () => ({}));
  g.forEach((t, k) => {
    const s = specs[order[k]];
    if (s.kind === 'ffn') byLayer[s.layer].ffn = t as tf.Tensor1D;
    else byLayer[s.layer].heads = t as tf.Tensor1D;
  });
  return byLayer;
}

function checkWindows(model: Model, windows: readonly number[][], perPass: number): void {
  if (!windows.length) throw new RangeError('global: no calibration windows');
  const T = windows[0].length;
  if (T < 2) throw new RangeError(`global: calibration windows need ≥ 2 tokens (one prediction), got ${T}`);
  if (windows.some((w) => w.length !== T)) throw new RangeError('global: calibration windows must all have the same length');
  if (T > model.config.maxSeq) throw new RangeError(`global: window length ${T} exceeds the context length ${model.config.maxSeq}`);
  if (!Number.isInteger(perPass) || perPass < 1) throw new RangeError(`global: windowsPerPass must be an integer ≥ 1, got ${perPass}`);
}

/**
 * First-order Taylor importance I_j = |Σ_t ∂ℒ/∂g_j| of every FFN neuron and attention head, by backpropagation
 * of the calibration LM loss through the whole model (all weights resident on the device during the call).
 * Leaks no tensors; returns host data only.
 */
export async function taylorImportance(model: Model, windows: readonly number[][], opts: GlobalOptions = {}): Promise<TaylorImportance> {
  const perPass = opts.windowsPerPass ?? 1;
  checkWindows(model, windows, perPass);
  const cfg = model.config;
  const specs = opts.specs ?? moduleSpecs(cfg, model.weights);
  const gradient = specs.map((s) => new Float64Array(s.units.length));
  const tokens = windows.length * (windows[0].length - 1);
  let lossSum = 0;
  const dm = toDevice(model); // every weight resident: the O(N) part
  const { flat, order } = makeGates(specs);
  try {
    for (let w0 = 0; w0 < windows.length; w0 += perPass) {
      const batch = windows.slice(w0, w0 + perPass);
      if (flat.length === 0) {
        // nothing left to score: only the loss
        lossSum += (await read(() => tf.addN(batch.map((ids) => windowNll(forward(cfg, dm.weights, ids).logits, ids)))))[0];
      } else {
        const f = (...g: tf.Tensor[]): tf.Scalar => {
          const gates = gateRecord(specs, order, g, cfg.nLayers); // the differentiated inputs, same order as `flat`
          const nll = batch.map((ids) => windowNll(forward(cfg, dm.weights, ids, { gates }).logits, ids));
          return tf.div(nll.length === 1 ? nll[0] : tf.addN(nll), tokens) as tf.Scalar; // this pass's share of the batch mean ℒ
        };
        const { value, grads } = tf.valueAndGrads(f)(flat);
        try {
          lossSum += (await value.data())[0] * tokens;
          for (let k = 0; k < grads.length; k++) {
            const v = await grads[k].data();
            const acc = gradient[order[k]];
            for (let j = 0; j < acc.length; j++) acc[j] += v[j];
          }
        } finally {
          value.dispose();
          grads.forEach((g) => g.dispose());
        }
      }
      opts.onProgress?.(Math.min(windows.length, w0 + perPass), windows.length);
    }
  } finally {
    flat.forEach((g) => g.dispose());
    dm.dispose();
  }
  return {
    ids: specs.map((s) => s.id),
    importance: gradient.map((g) => Float64Array.from(g, Math.abs)),
    gradient,
    loss: lossSum / tokens,
    tokens,
  };
}

/**
 * `global` mask selection: Taylor importance of every unit (see {@link taylorImportance}), then one threshold on
 * I_j / cost_j across all modules, removing the lowest ratios until the removed cost first reaches `budget`
 * (weight scalars; B = s · total unit cost). Compensation and slicing are the shared finalize step.
 */
export async function globalMask(model: Model, windows: readonly number[][], budget: number, opts: GlobalOptions = {}): Promise<RemovedMask> {
  const specs = opts.specs ?? moduleSpecs(model.config, model.weights);
  const t = await taylorImportance(model, windows, { ...opts, specs });
  const units = specs.map((s, m) => ({ scores: t.importance[m], costs: new Float64Array(s.units.length).fill(s.unitCost) }));
  const p = thresholdProjection(units, budget);
  const mask: RemovedMask = {};
  specs.forEach((s, m) => (mask[s.id] = p.removed[m]));
  return mask;
}
