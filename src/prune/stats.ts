// Calibration statistics (METHOD.md §2), one block resident at a time. Block inputs of every calibration
// window live on the host; block l is uploaded, run on each window (capturing the module activations A_m),
// its Gram matrices H_m = Σ_t a_t a_tᵀ are accumulated in float64 on the host, its outputs become the next
// block's inputs, and the block is released.
import { tf } from '../backend';
import { Model } from '../model/model';
import { layerShape } from '../model/config';
import { embedWindows, runBlock } from '../model/blockRunner';
import { ModuleKind } from './coupling';
import { read } from '../util/read';

/** Gram matrix of one module's hidden activations. */
export interface ModuleGram {
  id: string;
  layer: number;
  kind: ModuleKind;
  /** Hidden columns (units × width). */
  n: number;
  /** H = Σ_t a_t a_tᵀ, [n, n] row-major float64. */
  H: Float64Array;
  /** Σ_t a_t, [n] (for the bias fold of models whose down projection has a bias). */
  sum: Float64Array;
  /** Tokens accumulated. */
  tokens: number;
}

export interface CalibrationStats {
  /** In block order (attn, ffn per layer), matching moduleSpecs(). */
  grams: ModuleGram[];
  /** Calibration tokens T = windows × seqlen. */
  tokens: number;
  /** Σ_t ‖x_t‖² of the residual stream entering each block (for the "residual" module weighting). */
  streamEnergy: number[];
}

/** Accumulates H += aᵀa and sum += Σ_t a_t for one module. */
export class GramAccumulator {
  readonly H: Float64Array;
  readonly sum: Float64Array;
  tokens = 0;
  constructor(readonly n: number) {
    this.H = new Float64Array(n * n);
    this.sum = new Float64Array(n);
  }
  async add(a: tf.Tensor2D): Promise<void> {
    const gv = await read(() => tf.matMul(tf.transpose(a), a)); // explicit transpose: wasm fast path
    const sv = await read(() => tf.sum(a, 0));
    for (let i = 0; i < gv.length; i++) this.H[i] += gv[i];
    for (let i = 0; i < sv.length; i++) this.sum[i] += sv[i];
    this.tokens += a.shape[0];
  }
}

/** Run block `l` on host inputs, accumulating both modules' Gram matrices; returns outputs and accumulators. */
export async function runBlockGrams(model: Model, l: number, inputs: readonly Float32Array[], seqlen: number): Promise<{ outputs: Float32Array[]; attn: GramAccumulator; ffn: GramAccumulator }> {
  const shape = layerShape(model.config, l);
  const attn = new GramAccumulator(shape.heads.length * model.config.dHead);
  const ffn = new GramAccumulator(shape.ffn.length);
  const outputs = await runBlock(model, l, inputs, seqlen, {
    onCapture: async (c) => {
      if (c.attnHidden) await attn.add(c.attnHidden);
      if (c.ffnHidden) await ffn.add(c.ffnHidden);
    },
  });
  return { outputs, attn, ffn };
}

export function toGram(id: string, layer: number, kind: ModuleKind, acc: GramAccumulator): ModuleGram {
  return { id, layer, kind, n: acc.n, H: acc.H, sum: acc.sum, tokens: acc.tokens };
}

export interface StatsOptions {
  /** Called after each block with (blocks done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Gram matrices of every module on the calibration windows (dense pass, one block resident). */
export async function collectStats(model: Model, windows: readonly number[][], opts: StatsOptions = {}): Promise<CalibrationStats> {
  if (windows.length === 0) throw new RangeError('no calibration windows');
  const seqlen = windows[0].length;
  if (windows.some((w) => w.length !== seqlen)) throw new RangeError('calibration windows must all have the same length');
  const cfg = model.config;
  let x = await embedWindows(model, windows);
  const grams: ModuleGram[] = [];
  const streamEnergy: number[] = [];
  for (let l = 0; l < cfg.nLayers; l++) {
    const shape = layerShape(cfg, l);
    let e = 0;
    for (const xw of x) for (let i = 0; i < xw.length; i++) e += xw[i] * xw[i];
    streamEnergy.push(e);
    const r = await runBlockGrams(model, l, x, seqlen);
    grams.push(toGram(`layers.${l}.attn`, l, 'attn', r.attn));
    grams.push(toGram(`layers.${l}.ffn`, l, 'ffn', r.ffn));
    x = r.outputs;
    opts.onProgress?.(l + 1, cfg.nLayers);
  }
  return { grams, tokens: windows.length * seqlen, streamEnergy };
}
