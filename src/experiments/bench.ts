// Speed benchmark (issue 11): one record per measurement, yielded as it completes, host data only. Used by
// `structprune bench` (JSON lines or a table) and `npm run bench`. Times are wall-clock seconds; on a shared
// machine compare records of one run (`baseline: true` interleaves today's paths with the current ones, per
// measurement, and adds the ratio).
//
// Measurements (names): gemm_1024, gemm_768x3072x2048 (tfjs matMul on the backend, and `_openblas` via sgemm),
// eigh_1024, eigh_3072, cholesky_2048 (src/linalg, float64), gram_4096x3072 (calibration Gram of 4,096 tokens),
// pstep_opt125m_ffn (one ADMM P-step, n 3072, d 768), forward_stories260K (tokens/s, 512-token windows),
// ppl_tinystories_val (full TinyStories-val perplexity), and, when a python3 with NumPy is found,
// numpy_eigh_3072 / numpy_cholesky_2048 (same matrices' sizes, numpy.linalg) with the ratio ours / NumPy.
import { spawnSync } from 'child_process';
import { tf, initBackend, backendInfo } from '../backend';
import { read } from '../util/read';
import { blasInfo, setBlas, BlasMode } from '../linalg/blas';
import { eigh } from '../linalg/eigh';
import { cholesky } from '../linalg/cholesky';
import { randomGram } from '../linalg/matrix';
import { lapack } from '../linalg/blas';
import { attentionInfo, setAttention, AttentionMode } from '../model/attentionFused';
import { loadModel } from '../model/load';
import { toDevice } from '../model/device';
import { forward } from '../model/forward';
import { evaluate } from '../eval/evaluate';
import { GramAccumulator } from '../prune/stats';
import { buildAdmmModule } from '../prune/admm/problem';
import { pStep } from '../prune/admm/step';
import { createRng } from '../util/rng';
import { DataDirOptions } from '../data/datadir';

/** One measurement. */
export interface BenchRecord {
  name: string;
  seconds: number;
  /** Floating-point rate where the flop count is standard (GEMM, Gram, P-step; eigh counted as 9n³, Cholesky n³/3). */
  gflops?: number;
  /** Rate in other units (forward: tokens/s). */
  tokensPerSecond?: number;
  /** tfjs backend name. */
  backend: string;
  /** Host linear algebra that ran ('openblas' | 'ts'); NumPy records name their own library. */
  blas: string;
  /** CPU attention implementation (forward and perplexity records). */
  attention?: string;
  /** 'current' (the configured paths) or 'baseline' (STRUCTPRUNE_BLAS=ts + tfjs per-head attention). */
  variant: 'current' | 'baseline' | 'numpy';
  /** baseline seconds / current seconds (on the current record of an interleaved pair); ours / NumPy on NumPy records. */
  ratio?: number;
  /** Extra facts (perplexity value, residuals, sizes). */
  note?: string;
}

export const BENCH_NAMES = [
  'gemm_1024',
  'gemm_768x3072x2048',
  'eigh_1024',
  'eigh_3072',
  'cholesky_2048',
  'gram_4096x3072',
  'pstep_opt125m_ffn',
  'forward_stories260K',
  'ppl_tinystories_val',
  'numpy',
] as const;
export type BenchName = (typeof BENCH_NAMES)[number];

/** Options of {@link runBench}. */
export interface BenchOptions extends DataDirOptions {
  /** Measurements to run (default: all of BENCH_NAMES). */
  only?: readonly BenchName[];
  /** Also run each measurement on today's paths (BLAS 'ts', tfjs attention), interleaved, with ratios (default false). */
  baseline?: boolean;
  /** Python interpreters tried for the NumPy comparison (default ['/usr/bin/python3', 'python3']). */
  pythons?: readonly string[];
}

async function timeIt(fn: () => unknown | Promise<unknown>, reps: number, warm = true): Promise<number> {
  if (warm) await fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps / 1000;
}

interface Variant {
  variant: 'current' | 'baseline';
  blas: BlasMode;
  attention: AttentionMode;
}

/** Run the benchmark; yields one record per measurement (and per variant with `baseline`). */
export async function* runBench(opts: BenchOptions = {}): AsyncGenerator<BenchRecord> {
  await initBackend();
  const only = new Set<BenchName>(opts.only ?? BENCH_NAMES);
  const initialBlas = blasInfo().mode;
  const initialAttention = attentionInfo().mode;
  const variants: Variant[] = [{ variant: 'current', blas: initialBlas, attention: initialAttention }];
  if (opts.baseline) variants.unshift({ variant: 'baseline', blas: 'ts', attention: 'tfjs' });
  const backend = backendInfo().name;

  /** Runs `measure` under each variant in turn and yields the records, the current one with the ratio. */
  async function* pair(
    name: string,
    measure: () => Promise<Omit<BenchRecord, 'name' | 'backend' | 'blas' | 'variant'>>,
    withAttention = false,
  ): AsyncGenerator<BenchRecord> {
    let baseSeconds: number | undefined;
    for (const v of variants) {
      setBlas(v.blas);
      setAttention(v.attention);
      try {
        const r = await measure();
        const rec: BenchRecord = { name, ...r, backend, blas: blasInfo().active, variant: v.variant };
        if (withAttention) rec.attention = attentionInfo().active;
        if (v.variant === 'baseline') baseSeconds = r.seconds;
        else if (baseSeconds !== undefined) rec.ratio = baseSeconds / r.seconds;
        yield rec;
      } finally {
        setBlas(initialBlas);
        setAttention(initialAttention);
      }
    }
  }

  for (const [m, k, n] of [
    [1024, 1024, 1024],
    [768, 3072, 2048],
  ] as const) {
    const name = m === 1024 ? 'gemm_1024' : 'gemm_768x3072x2048';
    if (!only.has(name)) continue;
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([k, n], 0, 1, 'float32', 2) as tf.Tensor2D;
    try {
      const s = await timeIt(() => read(() => tf.matMul(a, b)), 3);
      yield { name, seconds: s, gflops: (2 * m * k * n) / s / 1e9, backend, blas: 'tfjs matMul', variant: 'current', note: `${m}×${k}×${n}, float32` };
      const la = lapack();
      if (la) {
        const A = (await a.data()) as Float32Array;
        const B = (await b.data()) as Float32Array;
        const C = new Float32Array(m * n);
        const s2 = await timeIt(() => la.sgemm(false, false, m, n, k, 1, A, B, 0, C), 3);
        yield {
          name: `${name}_openblas`,
          seconds: s2,
          gflops: (2 * m * k * n) / s2 / 1e9,
          backend,
          blas: 'openblas',
          variant: 'current',
          ratio: s / s2,
          note: `${m}×${k}×${n}, float32 sgemm; ratio = tfjs / OpenBLAS`,
        };
      }
    } finally {
      tf.dispose([a, b]);
    }
  }

  const ours: Record<string, number> = {};
  for (const n of [1024, 3072]) {
    const name = `eigh_${n}`;
    if (!only.has(name as BenchName)) continue;
    const A = randomGram(n, n + 64, n);
    for await (const r of pair(name, async () => {
      const s = await timeIt(() => eigh(A, n), 1, false);
      return { seconds: s, gflops: (9 * n ** 3) / s / 1e9, note: `symmetric ${n}×${n} Gram, values + vectors, float64` };
    })) {
      if (r.variant === 'current') ours[name] = r.seconds;
      yield r;
    }
  }
  if (only.has('cholesky_2048')) {
    const n = 2048;
    const A = randomGram(n, n + 64, n);
    for await (const r of pair('cholesky_2048', async () => {
      const s = await timeIt(() => cholesky(A, n), 2);
      return { seconds: s, gflops: n ** 3 / 3 / s / 1e9, note: 'float64' };
    })) {
      if (r.variant === 'current') ours.cholesky_2048 = r.seconds;
      yield r;
    }
  }
  if (only.has('numpy')) {
    const np = numpyTimes(opts.pythons ?? ['/usr/bin/python3', 'python3'], only.has('eigh_3072') || !opts.only, only.has('cholesky_2048') || !opts.only);
    if (np) {
      for (const [k, v] of Object.entries(np.times)) {
        yield {
          name: `numpy_${k}`,
          seconds: v,
          backend: 'numpy',
          blas: np.library,
          variant: 'numpy',
          ratio: ours[k] !== undefined ? ours[k] / v : undefined,
          note: `${np.python}, NumPy ${np.version}${ours[k] !== undefined ? '; ratio = ours / NumPy' : ''}`,
        };
      }
    }
  }

  if (only.has('gram_4096x3072')) {
    const [T, n] = [4096, 3072];
    const a = tf.tidy(() => tf.relu(tf.randomNormal([T / 2, n], 0, 1, 'float32', 3)) as tf.Tensor2D);
    try {
      for await (const r of pair('gram_4096x3072', async () => {
        const s = await timeIt(async () => {
          const acc = new GramAccumulator(n);
          await acc.add(a);
          await acc.add(a);
          acc.finish();
        }, 1);
        return { seconds: s, gflops: (T * n * n) / s / 1e9, note: `H = Σ a aᵀ over ${T} tokens (2 windows) of width ${n}, float64 result` };
      }))
        yield r;
    } finally {
      a.dispose();
    }
  }

  if (only.has('pstep_opt125m_ffn')) {
    const [n, d] = [3072, 768];
    const rng = createRng(1);
    const H = randomGram(n, n + 64, 7);
    const W0 = Float32Array.from({ length: n * d }, () => rng.normal());
    let tr = 0;
    for (let i = 0; i < n; i++) tr += H[i * n + i];
    const m = await buildAdmmModule({
      spec: { id: 'bench.ffn', layer: 0, kind: 'ffn', units: Array.from({ length: n }, (_, i) => i), width: 1, unitCost: 2 * d + 1, kvCost: 0, downKey: 'x' },
      n,
      d,
      H,
      W0,
      outputEnergy: 1,
      weight: 1,
      delta: 0.01 * (tr / n),
    });
    const Z = m.W0.slice();
    const U = new Float32Array(n * d);
    for await (const r of pair('pstep_opt125m_ffn', async () => {
      const s = await timeIt(() => pStep(m, Z, U, 0.2), 2);
      return { seconds: s, gflops: (4 * n * n * d) / s / 1e9, note: 'two 3072×3072×768 products (Qᵀ r, Q ŷ) + host elementwise' };
    }))
      yield r;
  }

  if (only.has('forward_stories260K') || only.has('ppl_tinystories_val')) {
    const loaded = await loadModel('stories260K', { dataDir: opts.dataDir });
    if (only.has('forward_stories260K')) {
      const dm = toDevice(loaded.model);
      const ids = Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 512);
      try {
        for await (const r of pair(
          'forward_stories260K',
          async () => {
            const s = await timeIt(() => read(() => forward(loaded.model.config, dm.weights, ids).logits), 8);
            return { seconds: s, tokensPerSecond: 512 / s, note: 'one 512-token window, logits read back' };
          },
          true,
        ))
          yield r;
      } finally {
        dm.dispose();
      }
    }
    if (only.has('ppl_tinystories_val')) {
      for await (const r of pair(
        'ppl_tinystories_val',
        async () => {
          const ev = await evaluate(loaded, 'tinystories-val', { dataDir: opts.dataDir });
          return { seconds: ev.seconds, tokensPerSecond: ev.tokens / ev.seconds, note: `ppl ${ev.ppl.toFixed(4)}, ${ev.windows} windows, ${ev.tokens} tokens` };
        },
        true,
      ))
        yield r;
    }
  }
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
out = {}
rng = np.random.default_rng(0)
if 'eigh' in sys.argv:
    X = rng.standard_normal((3072, 3136)); A = X @ X.T / 3136
    np.linalg.eigh(A[:200, :200])
    t = time.perf_counter(); np.linalg.eigh(A); out['eigh_3072'] = time.perf_counter() - t
if 'cholesky' in sys.argv:
    X = rng.standard_normal((2048, 2112)); A = X @ X.T / 2112
    np.linalg.cholesky(A)
    t = time.perf_counter(); np.linalg.cholesky(A); np.linalg.cholesky(A); out['cholesky_2048'] = (time.perf_counter() - t) / 2
lib = 'unknown'
try:
    cfg = np.show_config(mode='dicts')
    lib = cfg['Build Dependencies']['lapack']['name']
except Exception:
    try:
        import numpy.distutils.system_info as si
        lib = ','.join(k for k in ('openblas', 'mkl', 'blas', 'lapack') if si.get_info(k))
    except Exception:
        pass
print(json.dumps({'times': out, 'version': np.__version__, 'library': str(lib)}))
`;

/** NumPy's eigh 3072 / Cholesky 2048 timings from the first python3 that imports numpy, else null. */
export function numpyTimes(
  pythons: readonly string[],
  eighToo: boolean,
  choleskyToo: boolean,
): { python: string; version: string; library: string; times: Record<string, number> } | null {
  const args = ['-c', NUMPY_SCRIPT, ...(eighToo ? ['eigh'] : []), ...(choleskyToo ? ['cholesky'] : [])];
  for (const py of pythons) {
    const r = spawnSync(py, args, { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0 || !r.stdout) continue;
    try {
      const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
      return { python: py, version: j.version, library: j.library, times: j.times };
    } catch {
      continue;
    }
  }
  return null;
}
