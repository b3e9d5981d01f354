// Fused causal self-attention for the CPU backends (wasm, cpu): one tfjs op per layer for all heads —
// scores q_h k_hᵀ over j ≤ i only (the causal mask, without building it), softmax, × v_h — instead of per-head
// 2-D matMuls, a [T, T] mask add, softmax and a split (≈ 72 % of a stories260K window on wasm, STACK.md).
// The op is a tfjs kernel registered for 'wasm' and 'cpu' that works on the backend's memory in place
// (wasm: views of the wasm heap, no copy) and runs either
//   native  native/attention.c, built by `scripts/setup-blas.sh --native` when a C compiler is present,
//           loaded through koffi (STRUCTPRUNE_ATTENTION_LIB overrides the path), or
//   js      the same loop in TypeScript (no compiler needed).
// Selection: setAttention('auto'|'native'|'js'|'tfjs'), else env STRUCTPRUNE_ATTENTION, else 'auto' =
// native when the library loads, else the tfjs per-head path (blocks.ts attentionHeads), which measured faster
// than the TypeScript loop. Other backends (tensorflow, webgpu) always use their own tfjs path.
// Semantics equal attentionHeads(): q already scaled; query head h reads kv head kvOf[h] (GQA); the output
// [T, nH·dh] is the concatenation of the head outputs (the attention module's hidden activations).
import * as path from 'path';
import * as koffi from 'koffi';
import { tf } from '../backend';
import { lapack } from '../linalg/blas';
import type { Lapack } from '../linalg/lapack';

export type AttentionMode = 'auto' | 'native' | 'js' | 'tfjs';
const MODES: readonly AttentionMode[] = ['auto', 'native', 'js', 'tfjs'];
const KERNEL = 'StructpruneCausalAttention';

type SoftmaxFn = (S: Float32Array, rows: number, ld: number, row0: number) => void;
type NativeFn = (
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  out: Float32Array,
  T: number,
  nH: number,
  nKv: number,
  dh: number,
  kvOf: Int32Array,
  scratch: Float32Array,
  nThreads: number,
) => void;

/** What {@link attentionInfo} reports. */
export interface AttentionInfo {
  mode: AttentionMode;
  /** The implementation used on wasm/cpu: 'native', 'js' or 'tfjs' (per-head matMuls). */
  active: 'native' | 'js' | 'tfjs';
  /** Loaded native library (null unless active is 'native'). */
  library: string | null;
  /**
   * Threads of the native kernel (heads split between them): setAttention's option, else env
   * STRUCTPRUNE_ATTENTION_THREADS, else 1. Under load from other processes 2 threads were slower (README).
   */
  threads: number;
  reason: string;
}

interface NativeLib {
  fn: NativeFn;
  softmax: SoftmaxFn;
  path: string;
}
let state: { info: AttentionInfo; native: NativeLib | null } | null = null;

/** Options of {@link setAttention}. */
export interface AttentionOptions {
  /** Threads of the native kernel (integer 1–16; default env STRUCTPRUNE_ATTENTION_THREADS, else 1). */
  threads?: number;
}

function parseThreads(v: number | string, source: string): number {
  const n = typeof v === 'number' ? v : Number(v.trim());
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`${source}=${JSON.stringify(v)} is not a thread count: use an integer from 1 to 16`);
  return n;
}
const nativeCache = new Map<string, NativeLib | { error: string }>(); // by path: a loaded library stays loaded

/** Default location of the library built by scripts/setup-blas.sh --native. */
export function defaultAttentionLibrary(): string {
  return path.resolve(__dirname, '../../native/build/libstructprune_attention.so');
}

function loadNative(): NativeLib | { error: string } {
  const p = process.env.STRUCTPRUNE_ATTENTION_LIB || defaultAttentionLibrary();
  let r = nativeCache.get(p);
  if (r) return r;
  try {
    const lib = koffi.load(p);
    const fn = lib.func(
      'void sp_causal_attention(const float *q, const float *k, const float *v, float *out, int T, int nH, int nKv, int dh, const int *kvOf, float *scratch, int nThreads)',
    ) as NativeFn;
    const softmax = lib.func('void sp_causal_softmax_rows(float *S, int rows, int ld, int row0)') as SoftmaxFn;
    r = { fn, softmax, path: p };
  } catch (e) {
    r = { error: `${p}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 160)}` };
  }
  nativeCache.set(p, r);
  return r;
}

function parseMode(v: string, source: string): AttentionMode {
  const m = v.trim().toLowerCase();
  if (!MODES.includes(m as AttentionMode)) throw new Error(`${source}="${v}" is not one of ${MODES.join('|')}`);
  return m as AttentionMode;
}

function resolve(mode: AttentionMode, source: string, opts: AttentionOptions = {}): { info: AttentionInfo; native: NativeLib | null } {
  const env = process.env.STRUCTPRUNE_ATTENTION_THREADS;
  const threads =
    opts.threads !== undefined ? parseThreads(opts.threads, 'setAttention({ threads })') : env ? parseThreads(env, 'STRUCTPRUNE_ATTENTION_THREADS') : 1;
  if (mode === 'tfjs' || mode === 'js') return { info: { mode, active: mode, library: null, threads: 1, reason: source }, native: null };
  const n = loadNative();
  if ('fn' in n) return { info: { mode, active: 'native', library: n.path, threads, reason: source }, native: n };
  if (mode === 'native') {
    throw new Error(
      `attention mode 'native' (${source}) but the fused attention library did not load (${n.error}); build it with ` +
        "scripts/setup-blas.sh --native (needs a C compiler), set STRUCTPRUNE_ATTENTION_LIB, or use mode 'auto'",
    );
  }
  return { info: { mode, active: 'tfjs', library: null, threads: 1, reason: `${source}; native library not loaded (${n.error})` }, native: null };
}

function current(): { info: AttentionInfo; native: NativeLib | null } {
  if (!state) {
    const env = process.env.STRUCTPRUNE_ATTENTION;
    state = env ? resolve(parseMode(env, 'STRUCTPRUNE_ATTENTION'), 'STRUCTPRUNE_ATTENTION') : resolve('auto', 'default');
  }
  return state;
}

/**
 * Choose the CPU attention implementation for this process ('auto' default: native fused kernel when built,
 * else tfjs per-head matMuls; 'native' throws when the library is missing; 'js' fused TypeScript loop;
 * 'tfjs' per-head matMuls). Returns what is now active. Affects the wasm and cpu backends only.
 */
export function setAttention(mode: AttentionMode, opts: AttentionOptions = {}): AttentionInfo {
  state = resolve(parseMode(String(mode), 'setAttention'), 'setAttention', opts);
  return state.info;
}

/** The CPU attention implementation in use (resolves STRUCTPRUNE_ATTENTION on first use). */
export function attentionInfo(): AttentionInfo {
  return current().info;
}

/** Whether tfjs is recording a gradient tape (tf.grad / valueAndGrads): the fused op has no gradient. */
function recordingGradients(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return (state?.gradientDepth ?? 0) > 0;
}

/**
 * True when block() should call {@link fusedCausalAttention} on the current tfjs backend: wasm or cpu, a fused
 * implementation selected, and no gradient being recorded (Taylor importance differentiates the forward; the
 * per-head tfjs ops then run, as they have gradients).
 */
export function useFusedAttention(): boolean {
  const b = tf.getBackend();
  return (b === 'wasm' || b === 'cpu') && current().info.active !== 'tfjs' && !recordingGradients();
}

/** The TypeScript twin of native/attention.c (same algorithm, float64 sums; no compiler needed, but slower than tfjs). */
function jsAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  out: Float32Array,
  T: number,
  nH: number,
  nKv: number,
  dh: number,
  kvOf: Int32Array,
): void {
  const wq = nH * dh;
  const wk = nKv * dh;
  const s = new Float64Array(T);
  const kt = new Float32Array(dh * T);
  const vt = new Float32Array(dh * T);
  let last = -1;
  for (let h = 0; h < nH; h++) {
    const g = kvOf[h];
    if (g !== last) {
      for (let j = 0; j < T; j++) {
        const o = j * wk + g * dh;
        for (let d = 0; d < dh; d++) {
          kt[d * T + j] = k[o + d];
          vt[d * T + j] = v[o + d];
        }
      }
      last = g;
    }
    for (let i = 0; i < T; i++) {
      const qo = i * wq + h * dh;
      const n = i + 1;
      s.fill(0, 0, n);
      for (let d = 0; d < dh; d++) {
        const a = q[qo + d];
        const kd = d * T;
        for (let j = 0; j < n; j++) s[j] += a * kt[kd + j];
      }
      let m = s[0];
      for (let j = 1; j < n; j++) if (s[j] > m) m = s[j];
      let sum = 0;
      for (let j = 0; j < n; j++) {
        s[j] = Math.exp(s[j] - m);
        sum += s[j];
      }
      for (let d = 0; d < dh; d++) {
        const vd = d * T;
        let acc = 0;
        for (let j = 0; j < n; j++) acc += s[j] * vt[vd + j];
        out[qo + d] = acc / sum;
      }
    }
  }
}

/**
 * Heads at least this wide (OPT-125M: 64) take the BLAS route: per head and block of query rows, the scores
 * against the keys up to the block's last row are one sgemm, the causal softmax one native call, × v one more
 * sgemm. Narrow heads (stories260K: 8) are faster in the single native loop (GEMMs with inner dimension 8 are
 * memory-bound). Measured at T 2048, dh 64 (README, "Speed").
 */
export const BLAS_MIN_HEAD_DIM = 32;
/** Query rows per block of the BLAS route (keys beyond a block's last row are skipped: causal). */
const ROW_BLOCK = 256;

function blasAttention(
  la: Lapack,
  softmax: SoftmaxFn,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  out: Float32Array,
  T: number,
  nH: number,
  nKv: number,
  dh: number,
  kvOf: number[],
): void {
  const wq = nH * dh;
  const wk = nKv * dh;
  const S = new Float32Array(Math.min(ROW_BLOCK, T) * T);
  for (let h = 0; h < nH; h++) {
    const g = kvOf[h];
    const kh = k.subarray(g * dh);
    const vh = v.subarray(g * dh);
    for (let i0 = 0; i0 < T; i0 += ROW_BLOCK) {
      const rows = Math.min(ROW_BLOCK, T - i0);
      const keys = i0 + rows; // causal: later keys get zero weight
      const Sb = S.subarray(0, rows * keys);
      la.sgemmStrided(false, true, rows, keys, dh, 1, q.subarray(i0 * wq + h * dh), wq, kh, wk, 0, Sb, keys); // q_h k_hᵀ
      softmax(Sb, rows, keys, i0);
      la.sgemmStrided(false, false, rows, dh, keys, 1, Sb, keys, vh, wk, 0, out.subarray(i0 * wq + h * dh), wq); // × v_h
    }
  }
}

interface Attrs {
  kvOf: number[];
  dh: number;
}

function run(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, T: number, attrs: Attrs): void {
  const { kvOf, dh } = attrs;
  const nH = kvOf.length;
  const nKv = T > 0 ? k.length / T / dh : 0;
  const native = current().native;
  if (!native) return jsAttention(q, k, v, out, T, nH, nKv, dh, Int32Array.from(kvOf));
  const la = lapack();
  if (la && dh >= BLAS_MIN_HEAD_DIM) return blasAttention(la, native.softmax, q, k, v, out, T, nH, nKv, dh, kvOf);
  const threads = current().info.threads;
  const scratch = new Float32Array((2 * dh + 1) * Math.ceil(T / 16) * 16 * threads); // zero-filled, as the kernel needs
  native.fn(q, k, v, out, T, nH, nKv, dh, Int32Array.from(kvOf), scratch, threads);
}

interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: string;
}

let registered = false;
function register(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as { makeOutput(shape: number[], dtype: string): TensorInfoLike; typedArrayFromHeap(t: TensorInfoLike): Float32Array };
      const { q, k, v } = inputs as unknown as Record<'q' | 'k' | 'v', TensorInfoLike>;
      const out = b.makeOutput(q.shape, 'float32'); // may grow the heap: take the views after it
      run(b.typedArrayFromHeap(q), b.typedArrayFromHeap(k), b.typedArrayFromHeap(v), b.typedArrayFromHeap(out), q.shape[0], attrs as unknown as Attrs);
      return out as never;
    },
  });
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as {
        data: { get(id: object): { values: Float32Array } };
        makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfoLike;
      };
      const { q, k, v } = inputs as unknown as Record<'q' | 'k' | 'v', TensorInfoLike>;
      const out = new Float32Array(q.shape[0] * q.shape[1]);
      run(b.data.get(q.dataId).values, b.data.get(k.dataId).values, b.data.get(v.dataId).values, out, q.shape[0], attrs as unknown as Attrs);
      return b.makeTensorInfo(q.shape, 'float32', out) as never;
    },
  });
}

/**
 * softmax(q_h k_hᵀ + causal mask) v_h for every head h at once, concatenated: [T, nH·dh]. q [T, nH·dh] already
 * scaled, k, v [T, nKv·dh], kvOf[h] the kv head of query head h. wasm and cpu backends only (see
 * {@link useFusedAttention}); equals the per-head tfjs path to float32 rounding.
 */
export function fusedCausalAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, kvOf: number[], dh: number): tf.Tensor2D {
  const b = tf.getBackend();
  if (b !== 'wasm' && b !== 'cpu') throw new Error(`fusedCausalAttention runs on the wasm and cpu backends, not "${b}"; use attentionHeads`);
  const [T, wq] = q.shape;
  if (wq !== kvOf.length * dh) throw new RangeError(`fusedCausalAttention: q is [${q.shape}], expected [T, ${kvOf.length}·${dh}]`);
  if (k.shape[0] !== T || v.shape[0] !== T || k.shape[1] !== v.shape[1] || k.shape[1] % dh !== 0) {
    throw new RangeError(`fusedCausalAttention: k [${k.shape}] and v [${v.shape}] must both be [${T}, nKv·${dh}]`);
  }
  const nKv = k.shape[1] / dh;
  for (const g of kvOf) if (!(Number.isInteger(g) && g >= 0 && g < nKv)) throw new RangeError(`fusedCausalAttention: kv head ${g} outside [0, ${nKv})`);
  if (q.dtype !== 'float32' || k.dtype !== 'float32' || v.dtype !== 'float32') throw new TypeError('fusedCausalAttention: q, k, v must be float32');
  register();
  return tf.engine().runKernel(KERNEL, { q, k, v } as never, { kvOf, dh } as never) as tf.Tensor2D;
}
