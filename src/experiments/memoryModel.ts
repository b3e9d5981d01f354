// Analytic memory model (METHOD.md §7): predicted peak device bytes of `global` and `structprune` AS
// IMPLEMENTED HERE (tfjs tensors, src/prune/global.ts and src/prune/stats.ts + src/prune/admm), from the
// model configuration and the calibration window length, in fp32 or fp16. Checked against the meter's
// measured peaks (test/experiments/memoryModel.test.ts and every point of `structprune memory`).
//
// Unit: floats (scalars); bytes = floats × bytesPerElement. Symbols: T = tokens of one window (seqlen),
// d = dModel, e = embedding width (embedDim ?? d), V = vocab, S = maxSeq, n_h query heads, n_kv KV heads,
// d_h = dHead, d_q = n_h·d_h, d_kv = n_kv·d_h, F = FFN width, L = layers, P = parameters as stored on the host
// (tied LM head not stored), P_ℓ = parameters of block ℓ, g = 1 for GQA (n_kv < n_h) else 0.
// The counts below are the tensors the code creates: distinct buffers on the wasm backend (the default),
// which is also, within a few %, tfjs's own numBytes on any backend (on cpu the tape's copies share their
// source's buffer, so cpu buffers are fewer).
//
// `global` peaks at the end of the forward pass of one window inside tf.valueAndGrads: every weight is
// resident, tfjs's tape holds a copy of every op input a gradient needs (weights included: a matMul saves
// both operands), and the forward scope still holds every intermediate. Per window pass:
//   weights  2P + 2V·e·[tied] + Σ_ℓ (d_q·d + 2F_ℓ + 2n_h + R_ℓ)
//            (device copy + tape copy of every weight; W_o is split per head and each piece copied again;
//            the FFN/head gates and their copies; LLaMA RoPE rotation copies R_ℓ = d_q² + 2 d_kv² (GQA) or 2 d_q²)
//   block ℓ  OPT:   T·((52 + 2n_h)·d + 10·d_q + 8F + 20) + 7 n_h T²
//            LLaMA: T·((43 + 2n_h)·d + (14 + 4g)·d_kv + 8·d_q + 13F + 12) + 7 n_h T²
//   outside  OPT:   T·(18d + 16) + (9(T−1) + 2T)·V + T²        LLaMA: T·(11d + 10) + (9(T−1) + 2T)·V + T² + d_q²
// × windowsPerPass for the per-pass parts (each window's forward is taped separately).
//
// `structprune` holds one block (calibration statistics) or one module (ADMM) at a time; its peak is the
// largest of these phases, maximised over blocks/modules:
//   stats  P_ℓ + d_q·d (W_o split) + LLaMA rotation d_q² + block intermediates of one window
//          OPT:   T·((18 + 2n_h)·d + 4·d_q + 3F + 8) + (3n_h + 1)·T²
//          LLaMA: T·((14 + 2n_h)·d + (7 + 2g)·d_kv + 2d_q + 2d_kv + 5F + 6) + (3n_h + 1)·T² + g·d_kv²
//          + the Gram product being formed: max(T·d_q + d_q² + d_q, T·F + F² + F + T·d)
//   ADMM   one eigenbasis product of module m with n hidden columns (src/prune/admm/eigenbasis.ts, tfjs engine):
//          Q, Qᵀ [n, n], the operand and the result [n, d]: 2n² + 2n·d, n = max(F, d_q)
//   embed  V·e + (S + 2)·d + e·d·[e ≠ d] + 4T·d (embedding of the windows)
//   sensitivity (loss-aware weights, structprune's default; src/prune/blockBackward.ts) one block of one window
//          under the gradient tape: global's per-block terms above with k = 1 and no gates (2P_ℓ + d_q·d + R_ℓ,
//          T·perToken + 7 n_h T²) + 4T·d (two probes, the boundary gradient, the input); or the LM head of one
//          window under the tape, R = min(C, T − 1) predicting positions at a time, C = headChunkPositions(V, T)
//          (src/prune/headChunk.ts): 2(V·e + norm) + 11·R·V + T² + R·(11d + 10) (LLaMA) or R·(18d + 16) (OPT)
//          + T·d. Max over blocks.
// These are implementation facts, not laws: a different tensor library or a memory-frugal backward pass
// changes the constants. What does not change is the scaling: `global` grows with all weights (O(N)) plus
// L·T·(width) activations; `structprune` with one layer's widths (O(d² + F·d + F²)), i.e. O(√N) on a family
// where L ∝ d².
import { ModelConfig, layerShape } from '../model/config';
import { expectedShapes } from '../model/shapes';
import { numel } from '../model/hostTensor';
import { headChunkPositions } from '../prune/headChunk';

/** The two methods the model covers. */
export type MemoryMethod = 'global' | 'structprune';

/** What the calibration looks like to the memory model. */
export interface CalibrationSize {
  /** Tokens per window (T). */
  seqlen: number;
  /** Windows per forward/backward pass of `global` (default 1, as in global.ts). */
  windowsPerPass?: number;
}

/** A predicted peak. Bytes = floats × bytesPerElement. */
export interface MemoryPrediction {
  method: MemoryMethod;
  bytesPerElement: number;
  /** Predicted peak device bytes. */
  peakBytes: number;
  /** The phase that peaks: `taylor` (global's backward pass), `stats`, `admm`, `embed` or `sensitivity` (structprune's block-wise backward). */
  phase: 'taylor' | 'stats' | 'admm' | 'embed' | 'sensitivity';
  /** Every phase's peak, bytes. */
  phases: Partial<Record<'taylor' | 'stats' | 'admm' | 'embed' | 'sensitivity', number>>;
  /** Of the peak: bytes that are weights (and copies of weights). */
  weightBytes: number;
  /** Of the peak: the rest (activations, tape copies of activations, Gram/ADMM operands). */
  workBytes: number;
}

/** Parameter counts from the configuration alone: host total P and per block P_ℓ (as countParams would give). */
export function configParams(cfg: ModelConfig): { total: number; perLayer: number[]; globals: number } {
  // a dense config has L identical blocks: count one (expectedShapes of a 70B config would list 80 of them)
  const { required, optional } = expectedShapes(cfg.layers ? cfg : { ...cfg, nLayers: 1 });
  const counted = new Array<number>(cfg.layers ? cfg.nLayers : 1).fill(0);
  let globals = 0;
  for (const [k, shape] of Object.entries(required)) {
    const m = /^layers\.(\d+)\./.exec(k);
    if (m) counted[Number(m[1])] += numel(shape);
    else globals += numel(shape);
  }
  const perLayer = cfg.layers ? counted : new Array<number>(cfg.nLayers).fill(counted[0]);
  // optional keys that a checkpoint of this config carries: an untied head, OPT's final LayerNorm when pre-norm
  if (!cfg.tiedEmbeddings) globals += numel(optional.lm_head);
  if (cfg.arch === 'opt' && cfg.preNorm) globals += numel(optional.norm_f) + numel(optional['norm_f.bias']);
  return { total: globals + perLayer.reduce((a, b) => a + b, 0), perLayer, globals };
}

interface Widths {
  dq: number;
  dkv: number;
  F: number;
  nh: number;
  g: number;
}

/** Per-block widths (the dense widths for every block of a dense config). */
function widths(cfg: ModelConfig): Widths[] {
  const dh = cfg.dHead;
  const of = (heads: number, kv: number, F: number): Widths => ({ dq: heads * dh, dkv: kv * dh, F, nh: heads, g: kv < heads ? 1 : 0 });
  if (!cfg.layers) return new Array<Widths>(cfg.nLayers).fill(of(cfg.nHeads, cfg.nKvHeads, cfg.dFF));
  return cfg.layers.map((_, l) => {
    const s = layerShape(cfg, l);
    return of(s.heads.length, s.kvHeads.length, s.ffn.length);
  });
}

/** `global`'s peak in floats, split into weights and the rest. */
function globalFloats(cfg: ModelConfig, T: number, k: number): { weights: number; work: number } {
  const { total } = configParams(cfg);
  const d = cfg.dModel;
  const e = cfg.embedDim ?? d;
  const V = cfg.vocabSize;
  const llama = cfg.arch === 'llama';
  let weights = total + k * total + (cfg.tiedEmbeddings ? (1 + k) * V * e : 0);
  let work = 0;
  for (const { dq, dkv, F, nh, g } of widths(cfg)) {
    const rot = llama ? (g ? dq * dq + 2 * dkv * dkv : 2 * dq * dq) : 0;
    weights += k * (dq * d + 2 * F + 2 * nh + rot);
    const perToken = llama ? (43 + 2 * nh) * d + (14 + 4 * g) * dkv + 8 * dq + 13 * F + 12 : (52 + 2 * nh) * d + 10 * dq + 8 * F + 20;
    work += k * (T * perToken + 7 * nh * T * T);
  }
  const head = (9 * (T - 1) + 2 * T) * V + T * T + (llama ? T * (11 * d + 10) : T * (18 * d + 16));
  work += k * head;
  if (llama) weights += k * cfg.nHeads * cfg.dHead * cfg.nHeads * cfg.dHead; // RoPE rotation matrix of the forward
  return { weights, work };
}

/** `structprune`'s phases in floats (each the max over blocks/modules), with the weight share of each. */
function structpruneFloats(cfg: ModelConfig, T: number): Record<'stats' | 'admm' | 'embed', { weights: number; work: number }> {
  const { perLayer } = configParams(cfg);
  const d = cfg.dModel;
  const e = cfg.embedDim ?? d;
  const llama = cfg.arch === 'llama';
  let stats = { weights: 0, work: 0 };
  let admm = { weights: 0, work: 0 };
  widths(cfg).forEach(({ dq, dkv, F, nh, g }, l) => {
    const w = perLayer[l] + dq * d + (llama ? dq * dq : 0);
    const act = llama
      ? T * ((14 + 2 * nh) * d + (7 + 2 * g) * dkv + 2 * dq + 2 * dkv + 5 * F + 6) + (3 * nh + 1) * T * T + g * dkv * dkv
      : T * ((18 + 2 * nh) * d + 4 * dq + 3 * F + 8) + (3 * nh + 1) * T * T;
    const gram = Math.max(T * dq + dq * dq + dq, T * F + F * F + F + T * d);
    if (w + act + gram > stats.weights + stats.work) stats = { weights: w, work: act + gram };
    for (const n of [F, dq]) {
      const p = 2 * n * n + 2 * n * d;
      if (p > admm.work) admm = { weights: 0, work: p };
    }
  });
  const embedW = cfg.vocabSize * e + (cfg.positions === 'learned' ? (cfg.maxSeq + cfg.positionOffset) * d : 0) + (e !== d ? e * d : 0);
  return { stats, admm, embed: { weights: embedW, work: 4 * T * d } };
}

/**
 * The block-wise backward of the loss-aware weights (src/prune/blockBackward.ts), in floats: one taped block
 * of one window at a time, which is `global`'s per-block forward under the tape (its weights twice, the split
 * W_o, the LLaMA rotation, every saved intermediate) without the unit gates, plus the two output probes, the
 * boundary gradient and the block input; or the LM head of one window under the tape, at most C of its T − 1
 * predicting positions at a time. Max over blocks.
 */
function sensitivityFloats(cfg: ModelConfig, T: number, C: number): { weights: number; work: number } {
  const { perLayer } = configParams(cfg);
  const d = cfg.dModel;
  const e = cfg.embedDim ?? d;
  const V = cfg.vocabSize;
  const llama = cfg.arch === 'llama';
  let top = { weights: 0, work: 0 };
  widths(cfg).forEach(({ dq, dkv, F, nh, g }, l) => {
    const rot = llama ? (g ? dq * dq + 2 * dkv * dkv : 2 * dq * dq) : 0;
    const weights = 2 * perLayer[l] + dq * d + rot;
    const perToken = llama ? (43 + 2 * nh) * d + (14 + 4 * g) * dkv + 8 * dq + 13 * F + 12 : (52 + 2 * nh) * d + 10 * dq + 8 * F + 20;
    const work = T * perToken + 7 * nh * T * T + 4 * T * d;
    if (weights + work > top.weights + top.work) top = { weights, work };
  });
  const headW = 2 * (V * e + d * (cfg.norm === 'rms' ? 1 : 2) + (e !== d ? e * d : 0));
  const rows = Math.min(C, T - 1);
  const headWork = 11 * rows * V + T * T + (llama ? rows * (11 * d + 10) : rows * (18 * d + 16)) + T * d;
  if (headW + headWork > top.weights + top.work) top = { weights: headW, work: headWork };
  return top;
}

/**
 * Predicted peak device bytes of `method` on a model of configuration `cfg` with calibration windows of
 * `calib.seqlen` tokens (the number of windows does not matter: both methods hold one window's activations
 * at a time). `bytesPerElement` 4 (fp32, default) or 2 (fp16). See the file header for the terms.
 */
export function predictPeak(
  cfg: ModelConfig,
  calib: CalibrationSize,
  method: MemoryMethod,
  opts: {
    bytesPerElement?: number;
    /** structprune with loss-aware weights (its default): the block-wise backward phase. */
    lossAware?: boolean;
    /** Positions per LM-head chunk of that phase (default headChunkPositions(V, seqlen), as blockwiseOutputGradients). */
    headChunk?: number;
  } = {},
): MemoryPrediction {
  const b = opts.bytesPerElement ?? 4;
  const T = calib.seqlen;
  const k = calib.windowsPerPass ?? 1;
  if (!Number.isInteger(T) || T < 2) throw new RangeError(`predictPeak: seqlen must be an integer ≥ 2, got ${T}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`predictPeak: windowsPerPass must be an integer ≥ 1, got ${k}`);
  if (!(b > 0)) throw new RangeError(`predictPeak: bytesPerElement must be > 0 (4 = fp32, 2 = fp16), got ${b}`);
  if (method !== 'global' && method !== 'structprune') throw new RangeError(`predictPeak: method must be "global" or "structprune", got "${method}"`);
  const sp = structpruneFloats(cfg, T);
  const phases: Record<string, { weights: number; work: number }> = { stats: sp.stats, embed: sp.embed };
  if (method === 'global') phases.taylor = globalFloats(cfg, T, k);
  else {
    phases.admm = sp.admm;
    if (opts.lossAware ?? true) phases.sensitivity = sensitivityFloats(cfg, T, opts.headChunk ?? headChunkPositions(cfg.vocabSize, T));
  }
  let phase = 'stats';
  for (const [p, v] of Object.entries(phases)) if (v.weights + v.work > phases[phase].weights + phases[phase].work) phase = p;
  const top = phases[phase];
  return {
    method,
    bytesPerElement: b,
    peakBytes: b * (top.weights + top.work),
    phase: phase as MemoryPrediction['phase'],
    phases: Object.fromEntries(Object.entries(phases).map(([p, v]) => [p, b * (v.weights + v.work)])),
    weightBytes: b * top.weights,
    workBytes: b * top.work,
  };
}

/** A published configuration (dense), normalised to ModelConfig. */
export interface RealConfig {
  name: string;
  config: ModelConfig;
}

function opt(name: string, d: number, L: number, nH: number, extra: Partial<ModelConfig> = {}): RealConfig {
  return {
    name,
    config: {
      arch: 'opt',
      dModel: d,
      nLayers: L,
      nHeads: nH,
      nKvHeads: nH,
      dHead: d / nH,
      dFF: 4 * d,
      vocabSize: 50272,
      maxSeq: 2048,
      normEps: 1e-5,
      ropeTheta: 10000,
      activation: 'relu',
      norm: 'layer',
      biases: true,
      tiedEmbeddings: true,
      positions: 'learned',
      positionOffset: 2,
      preNorm: true,
      bosId: 2,
      eosId: 2,
      ...extra,
    },
  };
}

function llama2(name: string, d: number, L: number, nH: number, nKv: number, dFF: number): RealConfig {
  return {
    name,
    config: {
      arch: 'llama',
      dModel: d,
      nLayers: L,
      nHeads: nH,
      nKvHeads: nKv,
      dHead: d / nH,
      dFF,
      vocabSize: 32000,
      maxSeq: 4096,
      normEps: 1e-5,
      ropeTheta: 10000,
      activation: 'swiglu',
      norm: 'rms',
      biases: false,
      tiedEmbeddings: false,
      positions: 'rope',
      positionOffset: 0,
      preNorm: true,
      bosId: 1,
      eosId: 2,
    },
  };
}

/** OPT 125M … 66B and LLaMA-2 7B … 70B as published (HF config.json values; OPT-350M with its 512-wide embeddings and post-norm blocks). */
export const REAL_CONFIGS: readonly RealConfig[] = [
  opt('OPT-125M', 768, 12, 12),
  opt('OPT-350M', 1024, 24, 16, { embedDim: 512, preNorm: false }),
  opt('OPT-1.3B', 2048, 24, 32),
  opt('OPT-2.7B', 2560, 32, 32),
  opt('OPT-6.7B', 4096, 32, 32),
  opt('OPT-13B', 5120, 40, 40),
  opt('OPT-30B', 7168, 48, 56),
  opt('OPT-66B', 9216, 64, 72),
  llama2('LLaMA-2-7B', 4096, 32, 32, 32, 11008),
  llama2('LLaMA-2-13B', 5120, 40, 40, 40, 13824),
  llama2('LLaMA-2-70B', 8192, 80, 64, 8, 28672),
];

/** One row of the analytic table (bytes). */
export interface MemoryTableRow {
  model: string;
  params: number;
  /** Parameters of one block (the largest). */
  paramsPerLayer: number;
  seqlen: number;
  global: { fp32: number; fp16: number; weightsFp32: number };
  structprune: { fp32: number; fp16: number; phase: MemoryPrediction['phase'] };
  /** global / structprune peak. */
  ratio: number;
}

/** The analytic table for the published configurations (default: windows of 2048 tokens, the usual C4 calibration). */
export function memoryTable(opts: { seqlen?: number; configs?: readonly RealConfig[] } = {}): MemoryTableRow[] {
  const seqlen = opts.seqlen ?? 2048;
  return (opts.configs ?? REAL_CONFIGS).map(({ name, config }) => {
    const g32 = predictPeak(config, { seqlen }, 'global');
    const s32 = predictPeak(config, { seqlen }, 'structprune');
    const p = configParams(config);
    return {
      model: name,
      params: p.total,
      paramsPerLayer: Math.max(...p.perLayer),
      seqlen,
      global: { fp32: g32.peakBytes, fp16: predictPeak(config, { seqlen }, 'global', { bytesPerElement: 2 }).peakBytes, weightsFp32: g32.weightBytes },
      structprune: { fp32: s32.peakBytes, fp16: predictPeak(config, { seqlen }, 'structprune', { bytesPerElement: 2 }).peakBytes, phase: s32.phase },
      ratio: g32.peakBytes / s32.peakBytes,
    };
  });
}
