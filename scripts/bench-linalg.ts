// Host linear-algebra benchmark: Cholesky at n = 768, 2048 and eigh at n = 1024, 3072 on seeded Gram
// matrices G = X Xᵀ / t (X n×t standard normal, t = n + 64: full rank, a calibration-like spectrum).
//
// Run: node --import tsx scripts/bench-linalg.ts     (≈ 1–2 minutes on the 2-core dev machine)
// Times are wall-clock milliseconds of one call each after a small warm-up (input generation
// excluded); every result is checked (‖L Lᵀ − A‖, eigenpair residuals) so a fast wrong answer fails loudly.

import { cholesky } from '../src/linalg/cholesky';
import { eigh } from '../src/linalg/eigh';
import { randomGram } from '../src/linalg/matrix';

/**
 * Times cholesky (768, 2048) and eigh (1024, 3072) and returns
 * `{ cholesky768, cholesky2048, eigh1024, eigh3072 }` in milliseconds (wall clock, one call each),
 * plus the same keys suffixed `Cpu` (process CPU time: the steadier number on a shared machine).
 * `log` receives one human-readable line per measurement. Throws if a result is inaccurate.
 */
export async function benchLinalg(log: (line: string) => void): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  // Warm-up: the first call of each kernel includes its JIT compilation (~0.1–0.3 s).
  const W = randomGram(200, 264, 1);
  cholesky(W, 200);
  eigh(W, 200);
  for (const n of [768, 2048]) {
    const A = randomGram(n, n + 64, n);
    const { value: L, ms, cpuMs } = timed(() => cholesky(A, n));
    const err = choleskyResidual(A, L, n);
    if (!(err < 1e-10)) throw new Error(`bench-linalg: cholesky n=${n} residual ${err} exceeds 1e-10`);
    out[`cholesky${n}`] = ms;
    out[`cholesky${n}Cpu`] = cpuMs;
    log(`cholesky n=${n}: ${ms.toFixed(0)} ms (cpu ${cpuMs.toFixed(0)} ms), max |L Lᵀ − A| / max |A| = ${err.toExponential(1)}`);
    await tick();
  }
  for (const n of [1024, 3072]) {
    const A = randomGram(n, n + 64, n);
    const { value: r, ms, cpuMs } = timed(() => eigh(A, n));
    const err = eigenResidual(A, r.values, r.Q, n);
    if (!(err < 1e-10)) throw new Error(`bench-linalg: eigh n=${n} residual ${err} exceeds 1e-10`);
    out[`eigh${n}`] = ms;
    out[`eigh${n}Cpu`] = cpuMs;
    log(
      `eigh n=${n}: ${ms.toFixed(0)} ms (cpu ${cpuMs.toFixed(0)} ms), λ ∈ [${r.values[0].toExponential(2)}, ` +
        `${r.values[n - 1].toFixed(2)}], sampled max ‖A q − λ q‖ / ‖A‖ = ${err.toExponential(1)}`,
    );
    await tick();
  }
  return out;
}

function timed<T>(f: () => T): { value: T; ms: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, ms, cpuMs: (c.user + c.system) / 1000 };
}

/** Lets the event loop (and a notebook's output) breathe between long synchronous calls. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** max |(L Lᵀ − A)_ij| / max |A_ij| over a sample of rows (O(n²) per row). */
function choleskyResidual(A: Float64Array, L: Float64Array, n: number): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 16))) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k <= j; k++) s += L[i * n + k] * L[j * n + k];
      err = Math.max(err, Math.abs(s - A[i * n + j]));
      scale = Math.max(scale, Math.abs(A[i * n + j]));
    }
  }
  return err / scale;
}

/** max over 8 sampled eigenpairs of max_i |(A q − λ q)_i| / max |A|, plus |‖q‖ − 1|. */
function eigenResidual(A: Float64Array, values: Float64Array, Q: Float64Array, n: number): number {
  let scale = 0;
  for (let i = 0; i < A.length; i++) scale = Math.max(scale, Math.abs(A[i]));
  let err = 0;
  for (let s = 0; s < 8; s++) {
    const j = Math.min(n - 1, Math.floor((s * n) / 7));
    let norm = 0;
    for (let i = 0; i < n; i++) norm += Q[i * n + j] ** 2;
    err = Math.max(err, Math.abs(Math.sqrt(norm) - 1));
    for (let i = 0; i < n; i++) {
      let aq = 0;
      for (let k = 0; k < n; k++) aq += A[i * n + k] * Q[k * n + j];
      err = Math.max(err, Math.abs(aq - values[j] * Q[i * n + j]) / scale);
    }
  }
  return err;
}

if (require.main === module) {
  benchLinalg((line) => console.log(line)).then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
