// Cholesky factorization A = L Lᵀ of a symmetric positive definite matrix, on the host in float64.
//
// Layout: A and L are n×n row-major Float64Array (element (i, j) at i*n + j). Only the lower triangle
// of A (j ≤ i) is read. L is returned as a full n×n matrix whose strict upper triangle is zero.
//
// Algorithm: left-looking blocked Cholesky–Banachiewicz. For each block column J = [J0, J1):
//   1. L[i, J] -= L[i, 0:J0] · L[J, 0:J0]ᵀ   for every row i ≥ J0 (dot products of contiguous rows:
//      the k-panel, register-tiled kernel of gemm.ts);
//   2. factor the diagonal block and solve the rows below it with the columns inside J.
// Every inner loop walks contiguous memory. Measured on the 2-core dev machine (CPU time): n = 768 ≈
// 60–120 ms, n = 2048 ≈ 1.0–1.1 s (scripts/bench-linalg.ts).

import { lapack } from './blas';
import { addABt } from './gemm';
import { assertShape } from './matrix';

/** Options of `cholesky`. */
export interface CholeskyOptions {
  /**
   * Block-column width of the TypeScript factorization (default 48). Tuning only; the result does not depend
   * on it beyond rounding. Unset: LAPACK dpotrf when OpenBLAS is active (blas.ts); set: always TypeScript.
   */
  blockSize?: number;
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
  const fill = (): void => {
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      for (let j = 0; j <= i; j++) L[ri + j] = A[ri + j];
      L.fill(0, ri + i + 1, ri + n);
    }
  };
  fill();
  const pivot = factor(L, n, opts.blockSize, fill);
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
    const fill = (): void => {
      for (let i = 0; i < n; i++) {
        const ri = i * n;
        for (let j = 0; j < i; j++) L[ri + j] = A[ri + j];
        L[ri + i] = A[ri + i] + delta;
        L.fill(0, ri + i + 1, ri + n);
      }
    };
    fill();
    const pivot = factor(L, n, opts.blockSize, fill);
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
 * LAPACK dpotrf when OpenBLAS is active and no block size was asked for, else the TypeScript factorization.
 * On a LAPACK failure (or a non-finite result, which dpotrf does not flag for NaN input) L is refilled and
 * the TypeScript factorization reports the exact failing pivot and its value, so both paths throw alike.
 */
function factor(L: Float64Array, n: number, blockSize: number | undefined, refill: () => void): { index: number; value: number } | null {
  const la = blockSize === undefined ? lapack() : null;
  if (la) {
    const info = la.potrfLower(L, n);
    if (info < 0) throw new Error(`cholesky: LAPACK dpotrf rejected argument ${-info} (n = ${n}); this is a bug`);
    let ok = info === 0;
    for (let i = 0; ok && i < n; i++) {
      const d = L[i * n + i];
      ok = d > 0 && d < Infinity;
    }
    if (ok) return null;
    refill();
  }
  return factorInPlace(L, n, blockSize ?? 48);
}

/**
 * Overwrites the lower triangle of L (holding A's lower triangle, strict upper zero) with its Cholesky
 * factor. Returns null on success, else the first failing pivot.
 */
function factorInPlace(L: Float64Array, n: number, nb: number): { index: number; value: number } | null {
  if (!(nb >= 1)) throw new RangeError(`cholesky: blockSize must be ≥ 1, got ${nb}`);
  for (let J0 = 0; J0 < n; J0 += nb) {
    const J1 = Math.min(n, J0 + nb);
    if (J0 > 0) {
      // Diagonal block, lower part: L[i, j] -= L[i, 0:J0] · L[j, 0:J0] for J0 ≤ j ≤ i < J1.
      for (let i = J0; i < J1; i++) {
        const ri = i * n;
        for (let j = J0; j <= i; j++) {
          const rj = j * n;
          let s = 0;
          for (let k = 0; k < J0; k++) s += L[ri + k] * L[rj + k];
          L[ri + j] -= s;
        }
      }
      // Rows below: L[J1:n, J0:J1] -= L[J1:n, 0:J0] · L[J0:J1, 0:J0]ᵀ.
      addABt(-1, L, n, J1, L, n, J0, L, n, J1, J0, n - J1, J1 - J0, 0, J0);
    }
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
