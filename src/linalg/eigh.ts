// Symmetric eigendecomposition A = Q diag(λ) Qᵀ on the host in float64 (METHOD.md §4: the P-step
// eigendecomposes H̃ once per module).
//
// Layout: A is n×n row-major, only its upper triangle (j ≥ i) is read. Q is n×n row-major with the
// eigenvectors as COLUMNS: Q[i*n + j] is component i of the eigenvector of λ_j. λ ascending.
//
// When OpenBLAS is active (blas.ts) and no `method` is given, LAPACK dsyevd runs instead (7× faster at
// n = 1024–3072 on the dev machine); the TypeScript algorithms below are the fallback and the reference.
//
// Algorithm:
//   1. Householder tridiagonalisation A = Hq T Hqᵀ (tridiagonal.ts);
//   2. eigenvectors of T, kept as ROWS so every inner loop runs along contiguous memory:
//      method 'dc' (default): divide and conquer (tridiagonal-dc.ts), then the rows are multiplied by
//        Hqᵀ = H_{n−2} ⋯ H_0 two reflectors at a time (reflectors.ts, ≈ 2 n³ flops);
//      method 'ql': JAMA tql2 (ql.ts) — Hqᵀ accumulated first (≈ 4/3 n³), then the QL rotations applied
//        to its rows in cache-friendly batches (≈ 3 n³ × QL sweeps per eigenvalue, ≈ 1.8 on Gram matrices);
//   3. Q = transpose of the eigenvector rows, columns ordered by ascending λ.
// Both methods agree to rounding. Measured (CPU time, 2-core dev machine, Gram matrices): 'dc' 1024 ≈
// 2.2–2.9 s, 2048 ≈ 19 s, 3072 ≈ 50–58 s; 'ql' 1024 ≈ 4.4 s, 2048 ≈ 31 s, 3072 ≈ 89 s; ml-matrix's
// EigenvalueDecomposition 1024 ≈ 17 s, 2048 ≈ 120 s. Peak extra memory ≈ 5–6 n² doubles (3072: ≈ 0.4 GB).

import { lapack } from './blas';
import { assertShape, transpose } from './matrix';
import { EighConvergenceError, implicitQL, RotationBatch } from './ql';
import { accumulateReflectorsTransposed, applyReflectorsToRows } from './reflectors';
import { tridiagonalize } from './tridiagonal';
import { tridiagonalEigen } from './tridiagonal-dc';

export { EighConvergenceError };

/** Options of `eigh`. */
export interface EighOptions {
  /**
   * TypeScript algorithm: 'dc' divide and conquer (default) or 'ql' implicit QL (JAMA tql2); see the file
   * header. Unset: LAPACK dsyevd when OpenBLAS is active (blas.ts), else 'dc'. Set: always TypeScript.
   */
  method?: 'dc' | 'ql';
  /** QL iterations allowed per eigenvalue before `EighConvergenceError` (default 60). */
  maxIterations?: number;
}

/** Result of `eigh`. */
export interface Eigh {
  /** Eigenvalues λ_0 ≤ λ_1 ≤ … ≤ λ_{n−1}. */
  values: Float64Array;
  /** n×n row-major; column j (Q[i*n + j], i = 0…n−1) is the unit eigenvector of values[j]. */
  Q: Float64Array;
  /** Matrix size. */
  n: number;
}

/**
 * Eigendecomposition of the symmetric n×n matrix A (row-major; upper triangle read): eigenvalues
 * ascending and orthonormal eigenvectors as the columns of Q (n×n row-major). A is not modified.
 * Throws RangeError on non-finite entries, `EighConvergenceError` if QL fails to converge.
 */
export function eigh(A: ArrayLike<number>, n: number, opts: EighOptions = {}): Eigh {
  assertShape(A, n, n, 'eigh: A');
  assertFinite(A, n, 'eigh');
  const maxIt = opts.maxIterations ?? 60;
  const la = opts.method === undefined ? lapack() : null;
  if (la) {
    const r = la.syevd(A, n);
    if (r.info > 0) throw new EighConvergenceError(n, r.info - 1, 0);
    if (r.info < 0) throw new Error(`eigh: LAPACK dsyevd rejected argument ${-r.info} (n = ${n}); this is a bug`);
    return { values: r.values, Q: r.Q, n };
  }
  const method = opts.method ?? 'dc';
  if (method !== 'dc' && method !== 'ql') throw new RangeError(`eigh: method must be 'dc' or 'ql', got '${String(method)}'`);
  const t = tridiagonalize(A, n);
  if (method === 'dc') {
    const { values, E } = tridiagonalEigen(t.d, t.e, n, maxIt);
    applyReflectorsToRows(t, E, n);
    return { values, Q: transpose(E, n, n), n };
  }
  const Z = accumulateReflectorsTransposed(t);
  const rot = new RotationBatch(Z, n);
  implicitQL(t.d, t.e, n, maxIt, rot);
  rot.flush();
  const order = ascendingOrder(t.d);
  const values = new Float64Array(n);
  for (let j = 0; j < n; j++) values[j] = t.d[order[j]];
  return { values, Q: transposeRowsPermuted(Z, n, order), n };
}

/**
 * Eigenvalues only (ascending) of the symmetric n×n matrix A (upper triangle read): the reduction
 * (≈ 4/3 n³ flops) plus QL without vectors (O(n²)).
 */
export function eigvalsh(A: ArrayLike<number>, n: number, opts: Pick<EighOptions, 'maxIterations'> = {}): Float64Array {
  assertShape(A, n, n, 'eigvalsh: A');
  assertFinite(A, n, 'eigvalsh');
  const t = tridiagonalize(A, n);
  implicitQL(t.d, t.e, n, opts.maxIterations ?? 60, null);
  return t.d.slice().sort();
}

function assertFinite(A: ArrayLike<number>, n: number, what: string): void {
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      if (!Number.isFinite(A[i * n + j])) {
        throw new RangeError(`${what}: A[${i}, ${j}] = ${A[i * n + j]} is not finite; the matrix must be finite`);
      }
    }
  }
}

/** Indices that sort d ascending (stable). */
function ascendingOrder(d: Float64Array): Int32Array {
  const order = Array.from({ length: d.length }, (_, i) => i);
  order.sort((a, b) => d[a] - d[b] || a - b);
  return Int32Array.from(order);
}

/** Q[i, j] = Z[order[j], i]: transpose of Z with its rows taken in `order` (cache-blocked). */
function transposeRowsPermuted(Z: Float64Array, n: number, order: Int32Array): Float64Array {
  const Q = new Float64Array(n * n);
  const b = 32;
  for (let j0 = 0; j0 < n; j0 += b) {
    const j1 = Math.min(n, j0 + b);
    for (let i0 = 0; i0 < n; i0 += b) {
      const i1 = Math.min(n, i0 + b);
      for (let j = j0; j < j1; j++) {
        const zr = order[j] * n;
        for (let i = i0; i < i1; i++) Q[i * n + j] = Z[zr + i];
      }
    }
  }
  return Q;
}
