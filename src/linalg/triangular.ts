// Triangular solves and symmetric positive definite solves on the host in float64.
//
// Layout: every matrix is row-major Float64Array. L is n×n lower triangular (its strict upper triangle
// is never read), right-hand sides B are n×m (one column per right-hand side), results X are new n×m
// matrices; inputs are never modified. Use these instead of forming inverses (STACK.md).
//
// Internally the right-hand sides are rows (x Tᵀ = b), solved by blocked substitution whose updates are
// dot products of contiguous rows (gemm.ts); column right-hand sides are transposed in and out (O(nm)).
// When OpenBLAS is active (blas.ts) the solves are BLAS dtrsm / LAPACK dpotrs calls instead.

import { choleskyDamped, CholeskyDampedOptions } from './cholesky';
import { lapack } from './blas';
import { addABt } from './gemm';
import { assertShape, transpose } from './matrix';

/** Width of the diagonal blocks of the blocked substitutions. */
const NB = 48;

/** X with L X = B (forward substitution). L n×n lower triangular, B n×m; returns X n×m. */
export function solveLower(L: ArrayLike<number>, B: ArrayLike<number>, n: number, m: number): Float64Array {
  assertShape(L, n, n, 'solveLower: L');
  assertShape(B, n, m, 'solveLower: B');
  // Xᵀ has the right-hand sides as rows: x Lᵀ = b for each row.
  const Xt = transpose(B, n, m);
  substituteRows(asFloat64(L), Xt, m, n, true);
  return transpose(Xt, m, n);
}

/** X with Lᵀ X = B (back substitution with the transpose of L). L n×n lower triangular, B n×m. */
export function solveLowerTranspose(L: ArrayLike<number>, B: ArrayLike<number>, n: number, m: number): Float64Array {
  assertShape(L, n, n, 'solveLowerTranspose: L');
  assertShape(B, n, m, 'solveLowerTranspose: B');
  const la = lapack();
  if (la) {
    const X = Float64Array.from(B);
    la.trsmLeftLower(asFloat64(L), X, n, m, true);
    return X;
  }
  if (m < 4) {
    // Column-oriented: reads L along its rows, no transpose of L needed.
    const X = Float64Array.from(B);
    for (let c = 0; c < m; c++) backColumnTransposed(L, n, X, m, c);
    return X;
  }
  const Xt = transpose(B, n, m);
  substituteRows(transpose(L, n, n), Xt, m, n, false);
  return transpose(Xt, m, n);
}

/** X with L Lᵀ X = B, given the Cholesky factor L (n×n) of A; B n×m. Reuses one factor for many solves. */
export function solveCholesky(L: ArrayLike<number>, B: ArrayLike<number>, n: number, m: number): Float64Array {
  assertShape(L, n, n, 'solveCholesky: L');
  assertShape(B, n, m, 'solveCholesky: B');
  const la = lapack();
  if (la) {
    const X = Float64Array.from(B);
    const L64 = asFloat64(L);
    la.trsmLeftLower(L64, X, n, m, false);
    la.trsmLeftLower(L64, X, n, m, true);
    return X;
  }
  // A symmetric ⇒ Xᵀ = Bᵀ A⁻¹: solve with the right-hand sides as rows.
  const Xt = transpose(B, n, m);
  solveRowsCholesky(asFloat64(L), Xt, m, n);
  return transpose(Xt, m, n);
}

/** Result of `solveSpd` / `solveSpdRight`. */
export interface SpdSolution {
  /** The solution (n×m for solveSpd, r×n for solveSpdRight), row-major. */
  X: Float64Array;
  /** Absolute damping δ that was added to A's diagonal. */
  delta: number;
  /** Relative damping used, δ = damp · mean(diag A). */
  damp: number;
  /** Cholesky attempts (1 when the first damping sufficed). */
  tries: number;
}

/**
 * X = (A + δI)⁻¹ B for A n×n symmetric positive (semi)definite and B n×m, via the damped Cholesky
 * (`choleskyDamped`: δ = damp · mean(diag A), damp default 0.01, ×10 per retry; pass `damp: 0` for
 * an undamped solve). Only A's lower triangle is read. Throws `CholeskyError` when every try fails.
 */
export function solveSpd(A: ArrayLike<number>, B: ArrayLike<number>, n: number, m: number, opts: CholeskyDampedOptions = {}): SpdSolution {
  assertShape(A, n, n, 'solveSpd: A');
  assertShape(B, n, m, 'solveSpd: B');
  const { L, delta, damp, tries } = choleskyDamped(A, n, opts);
  return { X: solveCholesky(L, B, n, m), delta, damp, tries };
}

/**
 * X = B (A + δI)⁻¹ for B r×n and A n×n symmetric positive (semi)definite: the right-hand solve of the
 * compensation P_S = P⁰ H[:, S] (H[S, S] + δI)⁻¹ (METHOD.md §3), with B = P⁰ H[:, S] and
 * A = H[S, S]. Same damping rules as `solveSpd`. Returns X r×n.
 */
export function solveSpdRight(B: ArrayLike<number>, A: ArrayLike<number>, r: number, n: number, opts: CholeskyDampedOptions = {}): SpdSolution {
  assertShape(A, n, n, 'solveSpdRight: A');
  assertShape(B, r, n, 'solveSpdRight: B');
  const { L, delta, damp, tries } = choleskyDamped(A, n, opts);
  const X = Float64Array.from(B);
  solveRowsCholesky(L, X, r, n);
  return { X, delta, damp, tries };
}

function asFloat64(M: ArrayLike<number>): Float64Array {
  return M instanceof Float64Array ? M : Float64Array.from(M);
}

/**
 * Rows of X (r×n) ← X (L Lᵀ)⁻¹ in place: x Lᵀ = b (L rows), then x L = y (rows of Lᵀ). LAPACK dpotrs when
 * OpenBLAS is active (blas.ts).
 */
function solveRowsCholesky(L: Float64Array, X: Float64Array, r: number, n: number): void {
  const la = lapack();
  if (la) {
    const info = la.potrsRows(L, X, r, n);
    if (info !== 0) throw new Error(`solveSpdRight: LAPACK dpotrs rejected argument ${-info} (n = ${n}, r = ${r}); this is a bug`);
    return;
  }
  substituteRows(L, X, r, n, true);
  substituteRows(transpose(L, n, n), X, r, n, false);
}

/**
 * In place on the r right-hand sides stored as ROWS of X (r×n), T n×n triangular with contiguous rows:
 * lower = true:  x_i = (x_i − Σ_{k<i} T_ik x_k) / T_ii, i ascending (x Tᵀ = b);
 * lower = false: x_i = (x_i − Σ_{k>i} T_ik x_k) / T_ii, i descending.
 * Blocked: the contribution of all solved blocks to the next diagonal block is one register-tiled
 * product (gemm.ts), the NB×NB triangle is solved row by row.
 */
function substituteRows(T: Float64Array, X: Float64Array, r: number, n: number, lower: boolean): void {
  const blocks = Math.ceil(n / NB);
  for (let b = 0; b < blocks; b++) {
    const I0 = lower ? b * NB : Math.max(0, n - (b + 1) * NB);
    const I1 = lower ? Math.min(n, I0 + NB) : n - b * NB;
    // X[:, I] −= X[:, K] T[I, K]ᵀ over the solved columns K.
    if (lower && I0 > 0) addABt(-1, X, n, 0, T, n, I0, X, n, 0, I0, r, I1 - I0, 0, I0);
    if (!lower && I1 < n) addABt(-1, X, n, 0, T, n, I0, X, n, 0, I0, r, I1 - I0, I1, n);
    for (let q = 0; q < r; q++) {
      const xq = q * n;
      for (let step = 0; step < I1 - I0; step++) {
        const i = lower ? I0 + step : I1 - 1 - step;
        const ti = i * n;
        let s = X[xq + i];
        if (lower) for (let k = I0; k < i; k++) s -= T[ti + k] * X[xq + k];
        else for (let k = i + 1; k < I1; k++) s -= T[ti + k] * X[xq + k];
        X[xq + i] = s / T[ti + i];
      }
    }
  }
}

/** Back substitution Lᵀ x = b of column c of X in place, column-oriented so L is read along rows. */
function backColumnTransposed(L: ArrayLike<number>, n: number, X: Float64Array, m: number, c: number): void {
  for (let i = n - 1; i >= 0; i--) {
    const li = i * n;
    const xi = X[i * m + c] / L[li + i];
    X[i * m + c] = xi;
    for (let k = 0; k < i; k++) X[k * m + c] -= L[li + k] * xi;
  }
}
