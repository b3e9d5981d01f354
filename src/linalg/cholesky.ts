// Cholesky factorization A = L Lᵀ of a symmetric positive definite matrix, on the host in float64.
//
// Layout: A and L are n×n row-major Float64Array (element (i, j) at i*n + j). Only the lower triangle
// of A (j ≤ i) is read. L is returned as a full n×n matrix whose strict upper triangle is zero.
//
// Algorithm: left-looking blocked Cholesky–Banachiewicz. For each block column J = [J0, J1):
//   1. L[i, J] -= L[i, 0:J0] · L[J, 0:J0]ᵀ   for every row i ≥ J0 (dot products of contiguous rows,
//      in k-panels of `panel` columns so the block rows L[J, K] stay in cache, 4×2 register tiles);
//   2. factor the diagonal block and solve the rows below it with the columns inside J.
// Every inner loop walks contiguous memory. Measured on the 2-core dev machine: n = 768 ≈ 60–100 ms,
// n = 2048 ≈ 1 s (see scripts/bench-linalg.ts).

import { assertShape } from './matrix';

/** Options of `cholesky`. */
export interface CholeskyOptions {
  /** Block-column width (default 48). Tuning only; the result does not depend on it beyond rounding. */
  blockSize?: number;
  /** Length of the k-panels in the block update (default 512). Tuning only. */
  panel?: number;
}

/**
 * Thrown when a Cholesky factorization meets a non-positive (or NaN) pivot: A is not numerically
 * positive definite. Names the size n, the failing pivot index, its value, and the damping tried.
 */
export class CholeskyError extends Error {
  constructor(
    /** Matrix size. */
    readonly n: number,
    /** Row/column index of the failing pivot (0-based). */
    readonly pivot: number,
    /** The pivot's value A_pp − Σ_k L_pk² (≤ 0 or NaN). */
    readonly value: number,
    /** Damping factors tried (empty for the undamped `cholesky`). */
    readonly dampsTried: readonly number[] = [],
    detail = '',
  ) {
    super(
      `Cholesky of ${n}×${n} matrix failed at pivot ${pivot} (value ${value})` +
        (dampsTried.length > 0 ? ` after trying damp = ${dampsTried.join(', ')}` : '') +
        `: the matrix is not positive definite${detail ? `; ${detail}` : ''}. ` +
        'Check that it is symmetric positive semidefinite (a Gram matrix), free of NaN/Inf, ' +
        'or use choleskyDamped with a larger damp / maxTries.',
    );
    this.name = 'CholeskyError';
  }
}

/**
 * Lower-triangular L with A = L Lᵀ (A n×n row-major, symmetric positive definite; only its lower
 * triangle is read). Returns a new n×n row-major matrix; A is not modified.
 * Throws `CholeskyError` (naming n and the pivot) when a pivot is ≤ 0 or NaN.
 */
export function cholesky(A: ArrayLike<number>, n: number, opts: CholeskyOptions = {}): Float64Array {
  assertShape(A, n, n, 'cholesky: A');
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) L[ri + j] = A[ri + j];
  }
  const pivot = factorInPlace(L, n, opts.blockSize ?? 48, opts.panel ?? 512);
  if (pivot !== null) throw new CholeskyError(n, pivot.index, pivot.value);
  return L;
}

/** Options of `choleskyDamped`. */
export interface CholeskyDampedOptions extends CholeskyOptions {
  /**
   * Relative damping (default 0.01): δ = damp · mean(diag A) is added to the diagonal. 0 is allowed
   * (first try undamped; a retry then starts from 1e-6).
   */
  damp?: number;
  /** Number of attempts, each with damp ×10 after a failure (default 4: damp 0.01, 0.1, 1, 10). */
  maxTries?: number;
}

/** Result of `choleskyDamped`. */
export interface DampedCholesky {
  /** Lower-triangular factor of A + δI (n×n row-major). */
  L: Float64Array;
  /** The absolute damping δ added to the diagonal (same units as A's entries). */
  delta: number;
  /** The relative damping used: δ = damp · mean(diag A). */
  damp: number;
  /** Number of factorizations attempted (1 when the first damping sufficed). */
  tries: number;
}

/**
 * Damped Cholesky: factor A + δI with δ = damp · mean(diag A) (METHOD.md §3, damp = 0.01). On a
 * non-positive pivot, damp is multiplied by 10 and the factorization retried, up to `maxTries`
 * attempts. Throws `CholeskyError` naming n, the last failing pivot and the damps tried when it gives
 * up, or at once when mean(diag A) is not positive (A is then not positive semidefinite, or is zero).
 */
export function choleskyDamped(A: ArrayLike<number>, n: number, opts: CholeskyDampedOptions = {}): DampedCholesky {
  assertShape(A, n, n, 'choleskyDamped: A');
  const maxTries = opts.maxTries ?? 4;
  let damp = opts.damp ?? 0.01;
  if (!(damp >= 0) || !Number.isFinite(damp)) {
    throw new RangeError(`choleskyDamped: damp must be a finite number ≥ 0, got ${damp}`);
  }
  if (!Number.isInteger(maxTries) || maxTries < 1) {
    throw new RangeError(`choleskyDamped: maxTries must be an integer ≥ 1, got ${maxTries}`);
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += A[i * n + i];
  const meanDiag = n > 0 ? trace / n : 0;
  if (n > 0 && !(meanDiag > 0 && Number.isFinite(meanDiag))) {
    const p = firstBadDiagonal(A, n);
    throw new CholeskyError(n, p, A[p * n + p], [], `mean(diag A) = ${meanDiag} is not positive and finite, so no damping can help`);
  }
  const L = new Float64Array(n * n);
  const tried: number[] = [];
  let last = { index: 0, value: NaN };
  for (let t = 1; t <= maxTries; t++) {
    const delta = damp * meanDiag;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      for (let j = 0; j < i; j++) L[ri + j] = A[ri + j];
      L[ri + i] = A[ri + i] + delta;
      L.fill(0, ri + i + 1, ri + n);
    }
    const pivot = factorInPlace(L, n, opts.blockSize ?? 48, opts.panel ?? 512);
    tried.push(damp);
    if (pivot === null) return { L, delta, damp, tries: t };
    last = pivot;
    damp = damp === 0 ? 1e-6 : damp * 10;
  }
  throw new CholeskyError(n, last.index, last.value, tried);
}

function firstBadDiagonal(A: ArrayLike<number>, n: number): number {
  for (let i = 0; i < n; i++) if (!(A[i * n + i] > 0 && Number.isFinite(A[i * n + i]))) return i;
  return 0;
}

/**
 * Overwrites the lower triangle of L (holding A's lower triangle, strict upper zero) with its Cholesky
 * factor. Returns null on success, else the first failing pivot.
 */
function factorInPlace(L: Float64Array, n: number, nb: number, kc: number): { index: number; value: number } | null {
  if (!(nb >= 1) || !(kc >= 1)) throw new RangeError(`cholesky: blockSize and panel must be ≥ 1, got ${nb}, ${kc}`);
  for (let J0 = 0; J0 < n; J0 += nb) {
    const J1 = Math.min(n, J0 + nb);
    for (let K0 = 0; K0 < J0; K0 += kc) updateBlockColumn(L, n, J0, J1, K0, Math.min(J0, K0 + kc));
    // Diagonal block and the rows below it, using only the columns inside [J0, j).
    for (let i = J0; i < n; i++) {
      const ri = i * n;
      const jEnd = Math.min(i + 1, J1);
      for (let j = J0; j < jEnd; j++) {
        const rj = j * n;
        let s = L[ri + j];
        for (let k = J0; k < j; k++) s -= L[ri + k] * L[rj + k];
        if (i === j) {
          if (!(s > 0) || s === Infinity) return { index: i, value: s };
          L[ri + i] = Math.sqrt(s);
        } else {
          L[ri + j] = s / L[rj + j];
        }
      }
    }
  }
  return null;
}

/** L[i, J0:J1] -= L[i, K0:K1] · L[J0:J1, K0:K1]ᵀ for rows i ≥ J0 (lower part of the diagonal block). */
function updateBlockColumn(L: Float64Array, n: number, J0: number, J1: number, K0: number, K1: number): void {
  // Rows inside the diagonal block: only j ≤ i.
  for (let i = J0; i < J1; i++) {
    const ri = i * n;
    for (let j = J0; j <= i; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = K0; k < K1; k++) s += L[ri + k] * L[rj + k];
      L[ri + j] -= s;
    }
  }
  // Rows below: all columns of the block, 4 rows × 2 columns per register tile.
  let i = J1;
  for (; i + 3 < n; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let j = J0;
    for (; j + 1 < J1; j += 2) {
      const q0 = j * n;
      const q1 = q0 + n;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = K0; k < K1; k++) {
        const b0 = L[q0 + k];
        const b1 = L[q1 + k];
        const a0 = L[r0 + k];
        const a1 = L[r1 + k];
        const a2 = L[r2 + k];
        const a3 = L[r3 + k];
        s00 += a0 * b0;
        s01 += a0 * b1;
        s10 += a1 * b0;
        s11 += a1 * b1;
        s20 += a2 * b0;
        s21 += a2 * b1;
        s30 += a3 * b0;
        s31 += a3 * b1;
      }
      L[r0 + j] -= s00;
      L[r0 + j + 1] -= s01;
      L[r1 + j] -= s10;
      L[r1 + j + 1] -= s11;
      L[r2 + j] -= s20;
      L[r2 + j + 1] -= s21;
      L[r3 + j] -= s30;
      L[r3 + j + 1] -= s31;
    }
    for (; j < J1; j++) {
      const q0 = j * n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = K0; k < K1; k++) {
        const b0 = L[q0 + k];
        s0 += L[r0 + k] * b0;
        s1 += L[r1 + k] * b0;
        s2 += L[r2 + k] * b0;
        s3 += L[r3 + k] * b0;
      }
      L[r0 + j] -= s0;
      L[r1 + j] -= s1;
      L[r2 + j] -= s2;
      L[r3 + j] -= s3;
    }
  }
  for (; i < n; i++) {
    const ri = i * n;
    for (let j = J0; j < J1; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = K0; k < K1; k++) s += L[ri + k] * L[rj + k];
      L[ri + j] -= s;
    }
  }
}
