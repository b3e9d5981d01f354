// Calibration statistics (METHOD.md §2), one block resident at a time. Block inputs of every calibration
// window live on the host; block l is uploaded, run on each window (capturing the module activations A_m),
// its Gram matrices H_m = Σ_t a_t a_tᵀ are accumulated in float64 on the host, its outputs become the next
// block's inputs, and the block is released.
//
// Gram engine: with OpenBLAS active and a CPU tfjs backend (wasm, cpu), a module's activations are buffered on
// the host and added with one BLAS ssyrk per chunk of up to GRAM_CHUNK_TOKENS tokens (one big rank-k update
// instead of a per-window tfjs matMul: 3–4× faster at OPT-125M's FFN width, README "Speed"). Precision: each
// chunk is a float32 product (as the per-window tfjs matMul was), chunks are summed into H in float64. That is
// where float64 matters: H feeds the damped Cholesky and the eigendecomposition, and summing 32 × 2048 tokens
// in float32 would cost ≈ 1e-4 relative error on H's entries, against ≈ 1e-6 per ≤ 8192-token chunk.
// Σ_t a_t is summed in float64 from the same host copy. Other backends keep the per-window tfjs matMul.
import { tf } from '../backend';
import { lapack } from '../linalg/blas';
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

/** Most tokens one BLAS Gram update covers (float32 inside a chunk, float64 across chunks; see the header). */
export const GRAM_CHUNK_TOKENS = 8192;
/** Host buffer cap per module (bytes of float32 activations); a chunk holds at least one window. */
const GRAM_CHUNK_BYTES = 64 * 2 ** 20;

/**
 * Accumulates H += aᵀa and sum += Σ_t a_t for one module. Call `finish()` after the last `add` (runBlockGrams
 * does): with the BLAS engine the last chunk is added there and H's lower triangle filled.
 */
export class GramAccumulator {
  readonly H: Float64Array;
  readonly sum: Float64Array;
  tokens = 0;
  private buf: Float32Array | null = null;
  private rows = 0;
  private partial: Float32Array | null = null;
  private blas = false;
  /** @param chunkTokens most tokens per BLAS update (default GRAM_CHUNK_TOKENS, capped by a 64 MiB buffer). */
  constructor(
    readonly n: number,
    private readonly chunkTokens = GRAM_CHUNK_TOKENS,
  ) {
    this.H = new Float64Array(n * n);
    this.sum = new Float64Array(n);
  }
  async add(a: tf.Tensor2D): Promise<void> {
    const T = a.shape[0];
    const n = this.n;
    const useBlas = n > 0 && lapack() !== null && (tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu');
    if (!useBlas) {
      const gv = await read(() => tf.matMul(tf.transpose(a), a)); // explicit transpose: wasm fast path
      const sv = await read(() => tf.sum(a, 0));
      for (let i = 0; i < gv.length; i++) this.H[i] += gv[i];
      for (let i = 0; i < sv.length; i++) this.sum[i] += sv[i];
      this.tokens += T;
      return;
    }
    this.blas = true;
    const data = (await a.data()) as Float32Array;
    for (let t = 0; t < T; t++) {
      const o = t * n;
      for (let i = 0; i < n; i++) this.sum[i] += data[o + i];
    }
    if (!this.buf) {
      const cap = Math.max(T, Math.min(this.chunkTokens, Math.floor(GRAM_CHUNK_BYTES / (4 * n))));
      this.buf = new Float32Array(cap * n);
    }
    if ((this.rows + T) * n > this.buf.length) this.flush();
    if (T * n > this.buf.length) {
      this.buf = new Float32Array(T * n); // a window longer than the first one
    }
    this.buf.set(data, this.rows * n);
    this.rows += T;
    this.tokens += T;
  }
  /** One ssyrk over the buffered tokens into H's upper triangle (float64 sum). */
  private flush(): void {
    if (this.rows === 0 || !this.buf) return;
    const n = this.n;
    const la = lapack();
    if (!la) throw new Error('GramAccumulator: OpenBLAS was switched off (setBlas) while a Gram accumulation was in progress; finish it first');
    this.partial ??= new Float32Array(n * n);
    la.ssyrkAtA(n, this.rows, 1, this.buf.subarray(0, this.rows * n), 0, this.partial);
    const P = this.partial;
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) this.H[i * n + j] += P[i * n + j];
    this.rows = 0;
  }
  /** Add what is buffered and make H symmetric; idempotent. Frees the buffers. */
  finish(): void {
    if (!this.blas) return;
    this.flush();
    const n = this.n;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) this.H[i * n + j] = this.H[j * n + i];
    this.buf = null;
    this.partial = null;
    this.blas = false;
  }
}

/** Run block `l` on host inputs, accumulating both modules' Gram matrices; returns outputs and accumulators. */
export async function runBlockGrams(
  model: Model,
  l: number,
  inputs: readonly Float32Array[],
  seqlen: number,
): Promise<{ outputs: Float32Array[]; attn: GramAccumulator; ffn: GramAccumulator }> {
  const shape = layerShape(model.config, l);
  const attn = new GramAccumulator(shape.heads.length * model.config.dHead);
  const ffn = new GramAccumulator(shape.ffn.length);
  const outputs = await runBlock(model, l, inputs, seqlen, {
    onCapture: async (c) => {
      if (c.attnHidden) await attn.add(c.attnHidden);
      if (c.ffnHidden) await ffn.add(c.ffnHidden);
    },
  });
  attn.finish();
  ffn.finish();
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
