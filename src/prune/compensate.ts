// Closed-form compensation (METHOD.md §3). In stored layout the down projection is W = P⁰ᵀ [n, d]
// (row j = column j of P⁰), so P_S = P⁰ H[:, S] (H[S, S] + δI)⁻¹ reads
//   W_S = (H[S, S] + δI)⁻¹ H[S, :] W⁰     ([|S|, d]),   δ = damp · mean(diag H) over the whole module,
// the minimiser of tr((P − P⁰) H (P − P⁰)ᵀ) + δ‖P_S‖² over P supported on the kept columns S.
//
// With an output bias (OPT) the right problem is least squares with an intercept,
//   min_{P_S, b'} Σ_t ‖P⁰ a_t − P_S a_{S,t} − b'‖²,
// solved by the same formula on the centred scatter C = H − T μμᵀ (μ = mean_t a_t), with
//   b' = P⁰ μ − P_S μ_S   (added to the bias).
// Without compensation (P_S = P⁰[:, S]) b' reduces to METHOD.md's fold P⁰[:, R] μ_R exactly; with it,
// folding P⁰[:, R] μ_R on top of an uncentred fit would double-count the mean that P_S already rebuilt.
import { solveSpd } from '../linalg/triangular';
import { PRUNE_DEFAULTS } from './defaults';
import { lapack } from '../linalg/blas';

export interface CompensationResult {
  /** [n, d] row-major: compensated rows for kept columns, zeros for removed ones. */
  W: Float32Array;
  /** Absolute damping used. */
  delta: number;
  /** b' [d] to add to the output bias (only with `centre`). */
  biasDelta?: Float64Array;
}

export interface CompensationOptions {
  /** Relative damping (default PRUNE_DEFAULTS.damp = 0.01). */
  damp?: number;
  /** Fit with an intercept: Σ_t a_t [n] and the token count T (models whose down projection has a bias). */
  centre?: { sum: Float64Array; tokens: number };
}

/** Compensate the down projection W⁰ [n, d] for keeping hidden columns `kept` (ascending). */
/** One module's compensation problem: W⁰ [n, d] (stored layout), its Gram matrix H [n, n] and the kept columns. */
export interface CompensationInput {
  W0: Float32Array;
  H: Float64Array;
  n: number;
  d: number;
  /** Kept hidden columns, ascending. */
  kept: readonly number[];
}

export function compensate({ W0, H, n, d, kept }: CompensationInput, opts: CompensationOptions = {}): CompensationResult {
  if (W0.length !== n * d) throw new RangeError(`compensate: W0 has ${W0.length} entries, expected ${n}×${d}`);
  if (H.length !== n * n) throw new RangeError(`compensate: H has ${H.length} entries, expected ${n}×${n}`);
  const damp = opts.damp ?? PRUNE_DEFAULTS.damp;
  const mu = opts.centre ? Float64Array.from(opts.centre.sum, (s) => s / Math.max(1, opts.centre!.tokens)) : null;
  const T = opts.centre?.tokens ?? 0;
  // Hc = H (or the centred scatter C = H − T μμᵀ), read entry-wise without materialising a copy.
  const hc = mu ? (i: number, j: number) => H[i * n + j] - T * mu[i] * mu[j] : (i: number, j: number) => H[i * n + j];
  let tr = 0;
  for (let i = 0; i < n; i++) tr += hc(i, i);
  const delta = damp * (n > 0 ? tr / n : 0);
  const W = new Float32Array(n * d);
  const k = kept.length;
  let X: Float64Array = new Float64Array(0);
  if (k > 0) {
    // A = Hc[S, S] + δI, B = Hc[S, :] W⁰ (float64).
    const A = new Float64Array(k * k);
    let B = new Float64Array(k * d);
    for (let a = 0; a < k; a++) {
      const i = kept[a];
      for (let b = 0; b < k; b++) A[a * k + b] = hc(i, kept[b]);
      A[a * k + a] += delta;
    }
    const la = lapack();
    if (la) {
      // one float64 GEMM (k·n·d: 5 GMAC for an OPT-125M FFN module) instead of the JS triple loop
      const Hs = new Float64Array(k * n);
      for (let a = 0; a < k; a++) for (let j = 0; j < n; j++) Hs[a * n + j] = hc(kept[a], j);
      la.dgemm(false, false, k, d, n, 1, Hs, Float64Array.from(W0), 0, B);
    } else {
      B = new Float64Array(k * d);
      for (let a = 0; a < k; a++) {
        const i = kept[a];
        const Ba = a * d;
        for (let j = 0; j < n; j++) {
          const h = hc(i, j);
          if (h === 0) continue;
          const wj = j * d;
          for (let c = 0; c < d; c++) B[Ba + c] += h * W0[wj + c];
        }
      }
    }
    // δ is already on the diagonal: damp 0 (the solver retries with a tiny damping only if A is singular).
    X = solveSpd(A, B, k, d, { damp: 0 }).X;
    for (let a = 0; a < k; a++) W.set(X.subarray(a * d, (a + 1) * d), kept[a] * d);
  }
  if (!mu) return { W, delta };
  const biasDelta = new Float64Array(d);
  for (let j = 0; j < n; j++) for (let c = 0; c < d; c++) biasDelta[c] += mu[j] * W0[j * d + c];
  for (let a = 0; a < k; a++) for (let c = 0; c < d; c++) biasDelta[c] -= mu[kept[a]] * X[a * d + c];
  return { W, delta, biasDelta };
}
