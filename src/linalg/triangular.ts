// Triangular solves and symmetric positive definite solves on the host in float64.
//
// Layout: every matrix is row-major Float64Array. L is n×n lower triangular (its strict upper triangle
// is never read), right-hand sides B are n×m (one column per right-hand side), results X are new n×m
// matrices; inputs are never modified. Use these instead of forming inverses (STACK.md).
//
// Many right-hand sides are solved in column strips of `STRIP` so a strip of X stays in cache, with the
// row updates unrolled over 4 pivots; one to three right-hand sides use dot products along L's rows.

import { choleskyDamped, CholeskyDampedOptions } from './cholesky';
import { assertShape, transpose } from './matrix';

const STRIP = 64;

/** X with L X = B (forward substitution). L n×n lower triangular, B n×m; returns X n×m. */
export function solveLower(L: ArrayLike<number>, B: ArrayLike<number>, n: number, m: number): Float64Array {
  assertShape(L, n, n, 'solveLower: L');
  assertShape(B, n, m, 'solveLower: B');
  const X = Float64Array.from(B);
  if (m < 4) {
    for (let c = 0; c < m; c++) forwardColumn(L, n, X, m, c);
  } else {
    for (let c0 = 0; c0 < m; c0 += STRIP) substituteStrip(L, n, X, m, c0, Math.min(m, c0 + STRIP), true);
  }
  return X;
}

/** X with Lᵀ X = B (back substitution with the transpose of L). L n×n lower triangular, B n×m. */
export function solveLowerTranspose(L: ArrayLike<number>, B: ArrayLike<number>, n: number, m: number): Float64Array {
  assertShape(L, n, n, 'solveLowerTranspose: L');
  assertShape(B, n, m, 'solveLowerTranspose: B');
  const X = Float64Array.from(B);
  if (m < 4) {
    for (let c = 0; c < m; c++) backColumnTransposed(L, n, X, m, c);
  } else {
    // U = Lᵀ is upper triangular with contiguous rows: back substitution by row dot products.
    const U = transpose(L, n, n);
    for (let c0 = 0; c0 < m; c0 += STRIP) substituteStrip(U, n, X, m, c0, Math.min(m, c0 + STRIP), false);
  }
  return X;
}

/** X with L Lᵀ X = B, given the Cholesky factor L (n×n) of A; B n×m. Reuses one factor for many solves. */
export function solveCholesky(L: ArrayLike<number>, B: ArrayLike<number>, n: number, m: number): Float64Array {
  return solveLowerTranspose(L, solveLower(L, B, n, m), n, m);
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
export function solveSpd(
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  n: number,
  m: number,
  opts: CholeskyDampedOptions = {},
): SpdSolution {
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
export function solveSpdRight(
  B: ArrayLike<number>,
  A: ArrayLike<number>,
  r: number,
  n: number,
  opts: CholeskyDampedOptions = {},
): SpdSolution {
  assertShape(A, n, n, 'solveSpdRight: A');
  assertShape(B, r, n, 'solveSpdRight: B');
  // A symmetric ⇒ X = B A⁻¹ ⇔ Xᵀ = A⁻¹ Bᵀ.
  const sol = solveSpd(A, transpose(B, r, n), n, r, opts);
  return { ...sol, X: transpose(sol.X, n, r) };
}

/**
 * In-place triangular substitution on columns [c0, c1) of X (n×m), T n×n with contiguous rows:
 * lower = true: T lower, rows i = 0…n−1, X_i = (B_i − Σ_{k<i} T_ik X_k) / T_ii;
 * lower = false: T upper, rows i = n−1…0, X_i = (B_i − Σ_{k>i} T_ik X_k) / T_ii.
 */
function substituteStrip(
  T: ArrayLike<number>,
  n: number,
  X: Float64Array,
  m: number,
  c0: number,
  c1: number,
  lower: boolean,
): void {
  for (let step = 0; step < n; step++) {
    const i = lower ? step : n - 1 - step;
    const ti = i * n;
    const xi = i * m;
    const kBegin = lower ? 0 : i + 1;
    const kEnd = lower ? i : n;
    let k = kBegin;
    for (; k + 3 < kEnd; k += 4) {
      const t0 = T[ti + k];
      const t1 = T[ti + k + 1];
      const t2 = T[ti + k + 2];
      const t3 = T[ti + k + 3];
      const x0 = k * m;
      const x1 = x0 + m;
      const x2 = x1 + m;
      const x3 = x2 + m;
      for (let c = c0; c < c1; c++) {
        X[xi + c] -= t0 * X[x0 + c] + t1 * X[x1 + c] + t2 * X[x2 + c] + t3 * X[x3 + c];
      }
    }
    for (; k < kEnd; k++) {
      const t0 = T[ti + k];
      const x0 = k * m;
      for (let c = c0; c < c1; c++) X[xi + c] -= t0 * X[x0 + c];
    }
    const d = T[ti + i];
    for (let c = c0; c < c1; c++) X[xi + c] /= d;
  }
}

/** Forward substitution of column c of X (n×m) in place, by dot products along L's rows. */
function forwardColumn(L: ArrayLike<number>, n: number, X: Float64Array, m: number, c: number): void {
  for (let i = 0; i < n; i++) {
    const li = i * n;
    let s0 = 0;
    let s1 = 0;
    let k = 0;
    for (; k + 1 < i; k += 2) {
      s0 += L[li + k] * X[k * m + c];
      s1 += L[li + k + 1] * X[(k + 1) * m + c];
    }
    if (k < i) s0 += L[li + k] * X[k * m + c];
    X[i * m + c] = (X[i * m + c] - s0 - s1) / L[li + i];
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
