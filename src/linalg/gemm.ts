// Dense matrix products for the host linear algebra (the merge step of divide-and-conquer eigh).
//
// Layout: row-major Float64Array. The kernel computes C = A Bᵀ from rows of A and rows of B (dot
// products of contiguous rows), in 4×2 register tiles over k-panels so a panel of B stays in cache.

/** Length of the k-panels (doubles): a 2-row panel of B plus 4 of A stay in L1. */
const KC = 512;

/**
 * C = A Bᵀ for A m×k and B n×k (row-major), returned as a new m×n row-major matrix.
 * Use `matmulABt(A, transpose(B))` for A B.
 */
export function matmulABt(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  if (A.length !== m * k || B.length !== n * k) {
    throw new RangeError(`matmulABt: expected A ${m}×${k} (${m * k}) and B ${n}×${k} (${n * k}), got ${A.length} and ${B.length}`);
  }
  const C = new Float64Array(m * n);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const k1 = Math.min(k, k0 + KC);
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const a0 = i * k;
      const a1 = a0 + k;
      const a2 = a1 + k;
      const a3 = a2 + k;
      const c0 = i * n;
      const c1 = c0 + n;
      const c2 = c1 + n;
      const c3 = c2 + n;
      let j = 0;
      for (; j + 1 < n; j += 2) {
        const b0 = j * k;
        const b1 = b0 + k;
        let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
        for (let p = k0; p < k1; p++) {
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
        C[c0 + j] += s00;
        C[c0 + j + 1] += s01;
        C[c1 + j] += s10;
        C[c1 + j + 1] += s11;
        C[c2 + j] += s20;
        C[c2 + j + 1] += s21;
        C[c3 + j] += s30;
        C[c3 + j + 1] += s31;
      }
      for (; j < n; j++) {
        const b0 = j * k;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let p = k0; p < k1; p++) {
          const x0 = B[b0 + p];
          s0 += A[a0 + p] * x0;
          s1 += A[a1 + p] * x0;
          s2 += A[a2 + p] * x0;
          s3 += A[a3 + p] * x0;
        }
        C[c0 + j] += s0;
        C[c1 + j] += s1;
        C[c2 + j] += s2;
        C[c3 + j] += s3;
      }
    }
    for (; i < m; i++) {
      const a0 = i * k;
      const c0 = i * n;
      for (let j = 0; j < n; j++) {
        const b0 = j * k;
        let s = 0;
        for (let p = k0; p < k1; p++) s += A[a0 + p] * B[b0 + p];
        C[c0 + j] += s;
      }
    }
  }
  return C;
}
