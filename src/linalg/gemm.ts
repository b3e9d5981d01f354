// The one matrix-product kernel of the host linear algebra: C += α A Bᵀ from rows of A and rows of B
// (dot products of contiguous rows), used by the Cholesky update, the triangular solves and the merge
// step of divide-and-conquer eigh.
//
// Layout: row-major Float64Array with explicit leading dimensions, so the operands can be blocks of
// larger matrices. The loops run over k-panels of KC (so a panel of B stays in cache while all rows
// of A pass) with 4×2 register tiles (6 loads per 8 multiply-adds).

/** Length of the k-panels (doubles). */
const KC = 512;

/**
 * C[ci+i, cj+j] += α Σ_{p=k0}^{k1−1} A[ai+i, p] · B[bi+j, p]   for i < m, j < n.
 * A, B, C are row-major with leading dimensions lda, ldb, ldc (elements per row); A's and B's k-range
 * [k0, k1) is the same column range of both. C may be the same array as A or B when the blocks do
 * not overlap.
 */
export function addABt(
  alpha: number,
  A: Float64Array,
  lda: number,
  ai: number,
  B: Float64Array,
  ldb: number,
  bi: number,
  C: Float64Array,
  ldc: number,
  ci: number,
  cj: number,
  m: number,
  n: number,
  k0: number,
  k1: number,
): void {
  for (let p0 = k0; p0 < k1; p0 += KC) {
    const p1 = Math.min(k1, p0 + KC);
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const a0 = (ai + i) * lda;
      const a1 = a0 + lda;
      const a2 = a1 + lda;
      const a3 = a2 + lda;
      const c0 = (ci + i) * ldc + cj;
      const c1 = c0 + ldc;
      const c2 = c1 + ldc;
      const c3 = c2 + ldc;
      let j = 0;
      for (; j + 1 < n; j += 2) {
        const b0 = (bi + j) * ldb;
        const b1 = b0 + ldb;
        let s00 = 0,
          s01 = 0,
          s10 = 0,
          s11 = 0,
          s20 = 0,
          s21 = 0,
          s30 = 0,
          s31 = 0;
        for (let p = p0; p < p1; p++) {
          const x0 = B[b0 + p];
          const x1 = B[b1 + p];
          const y0 = A[a0 + p];
          const y1 = A[a1 + p];
          const y2 = A[a2 + p];
          const y3 = A[a3 + p];
          s00 += y0 * x0;
          s01 += y0 * x1;
          s10 += y1 * x0;
          s11 += y1 * x1;
          s20 += y2 * x0;
          s21 += y2 * x1;
          s30 += y3 * x0;
          s31 += y3 * x1;
        }
        C[c0 + j] += alpha * s00;
        C[c0 + j + 1] += alpha * s01;
        C[c1 + j] += alpha * s10;
        C[c1 + j + 1] += alpha * s11;
        C[c2 + j] += alpha * s20;
        C[c2 + j + 1] += alpha * s21;
        C[c3 + j] += alpha * s30;
        C[c3 + j + 1] += alpha * s31;
      }
      if (j < n) {
        const b0 = (bi + j) * ldb;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        for (let p = p0; p < p1; p++) {
          const x0 = B[b0 + p];
          s0 += A[a0 + p] * x0;
          s1 += A[a1 + p] * x0;
          s2 += A[a2 + p] * x0;
          s3 += A[a3 + p] * x0;
        }
        C[c0 + j] += alpha * s0;
        C[c1 + j] += alpha * s1;
        C[c2 + j] += alpha * s2;
        C[c3 + j] += alpha * s3;
      }
    }
    for (; i < m; i++) {
      const a0 = (ai + i) * lda;
      const c0 = (ci + i) * ldc + cj;
      let j = 0;
      for (; j + 1 < n; j += 2) {
        const b0 = (bi + j) * ldb;
        const b1 = b0 + ldb;
        let s0 = 0;
        let s1 = 0;
        for (let p = p0; p < p1; p++) {
          const y = A[a0 + p];
          s0 += y * B[b0 + p];
          s1 += y * B[b1 + p];
        }
        C[c0 + j] += alpha * s0;
        C[c0 + j + 1] += alpha * s1;
      }
      if (j < n) {
        const b0 = (bi + j) * ldb;
        let s = 0;
        for (let p = p0; p < p1; p++) s += A[a0 + p] * B[b0 + p];
        C[c0 + j] += alpha * s;
      }
    }
  }
}

/**
 * C = A Bᵀ for A m×k and B n×k (row-major), returned as a new m×n row-major matrix.
 * For A B use `matmulABt(A, transpose(B, k, n), m, k, n)`.
 */
export function matmulABt(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  if (A.length !== m * k || B.length !== n * k) {
    throw new RangeError(`matmulABt: expected A ${m}×${k} (${m * k}) and B ${n}×${k} (${n * k}), got ${A.length} and ${B.length}`);
  }
  const C = new Float64Array(m * n);
  addABt(1, A, k, 0, B, k, 0, C, n, 0, 0, m, n, 0, k);
  return C;
}
