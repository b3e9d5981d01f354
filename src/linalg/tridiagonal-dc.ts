// Eigendecomposition of a symmetric tridiagonal matrix by divide and conquer (Cuppen; deflation and
// eigenvector recomputation as in LAPACK dstedc/dlaed0–4, Gu–Eisenstat).
//
// T (n×n) is given by d (diagonal) and e (e[k] = T[k, k+1]). Result: eigenvalues ascending and the
// eigenvectors as ROWS of E (n×n row-major): E[r*n + i] is component i of the eigenvector of values[r].
//
// Split T = diag(T1, T2) + |ρ| v vᵀ at the middle (ρ = e[mid−1], v = e_{mid−1} + sign(ρ) e_mid, the
// diagonal of T1, T2 lowered by |ρ|), solve both halves, then the rank-one update
// D + ρ' z zᵀ (z = Q̂ᵀ v / √2, ρ' = 2|ρ|): deflate tiny z_i and nearly equal d_i (a plane rotation of
// two eigenvectors), find the other eigenvalues from the secular equation (secular.ts), recompute z
// from them (Löwner) so the new eigenvectors are orthogonal, and multiply the eigenvectors of the
// halves by those of the update — the one O(n³) step, a matrix product (gemm.ts). Blocks of ≤ 24 rows
// are solved by implicit QL (ql.ts).

import { matmulABt } from './gemm';
import { implicitQL, RotationBatch } from './ql';
import { secularRoot } from './secular';

const LEAF = 24;

/** Result of `tridiagonalEigen`. */
export interface TridiagonalEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** n×n row-major; row r is the unit eigenvector of values[r]. */
  E: Float64Array;
}

/**
 * Eigenvalues (ascending) and eigenvectors (rows of E) of the symmetric tridiagonal matrix with
 * diagonal d and off-diagonal e (e[k] = T[k, k+1], length ≥ n−1). d and e are not modified.
 * `maxIterations`: QL iterations per eigenvalue in the leaf blocks.
 */
export function tridiagonalEigen(d: ArrayLike<number>, e: ArrayLike<number>, n: number, maxIterations = 60): TridiagonalEigen {
  const E = new Float64Array(n * n);
  const dd = new Float64Array(n);
  const ee = new Float64Array(n);
  // Scale to ‖T‖_max = 1 so tolerances are relative and nothing over/underflows.
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]), i < n - 1 ? Math.abs(e[i]) : 0);
  for (let i = 0; i < n; i++) E[i * n + i] = 1;
  if (scale === 0) return { values: dd, E };
  for (let i = 0; i < n; i++) {
    dd[i] = d[i] / scale;
    ee[i] = i < n - 1 ? e[i] / scale : 0;
  }
  solve(dd, ee, E, n, 0, n, maxIterations);
  for (let i = 0; i < n; i++) dd[i] *= scale;
  return { values: dd, E };
}

/** Solve the block [lo, hi): on return dd[lo:hi] ascending, E[lo:hi, lo:hi] its eigenvector rows. */
function solve(dd: Float64Array, ee: Float64Array, E: Float64Array, n: number, lo: number, hi: number, maxIt: number): void {
  if (hi - lo <= LEAF) {
    leaf(dd, ee, E, n, lo, hi, maxIt);
    return;
  }
  const mid = (lo + hi) >> 1;
  const rho = ee[mid - 1];
  dd[mid - 1] -= Math.abs(rho);
  dd[mid] -= Math.abs(rho);
  solve(dd, ee, E, n, lo, mid, maxIt);
  solve(dd, ee, E, n, mid, hi, maxIt);
  merge(dd, E, n, lo, mid, hi, rho);
}

/** Implicit QL with rotations on an identity, rows sorted by eigenvalue. */
function leaf(dd: Float64Array, ee: Float64Array, E: Float64Array, n: number, lo: number, hi: number, maxIt: number): void {
  const m = hi - lo;
  const dl = dd.slice(lo, hi);
  const el = new Float64Array(m);
  for (let i = 0; i < m - 1; i++) el[i] = ee[lo + i];
  const Z = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Z[i * m + i] = 1;
  const rot = new RotationBatch(Z, m);
  implicitQL(dl, el, m, maxIt, rot);
  rot.flush();
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => dl[a] - dl[b] || a - b);
  for (let r = 0; r < m; r++) {
    dd[lo + r] = dl[order[r]];
    const src = order[r] * m;
    const dst = (lo + r) * n + lo;
    for (let c = 0; c < m; c++) E[dst + c] = Z[src + c];
  }
}

/** Merge the solved halves [lo, mid) and [mid, hi) coupled by ρ (see the file header). */
function merge(dd: Float64Array, E: Float64Array, n: number, lo: number, mid: number, hi: number, rho: number): void {
  const N = hi - lo;
  const n1 = mid - lo;
  const eps = 2 ** -52;
  // z = Q̂ᵀ v / √2: last components of T1's eigenvectors, ±first components of T2's.
  const z = new Float64Array(N);
  const D = dd.slice(lo, hi);
  const sgn = rho < 0 ? -1 : 1;
  for (let c = 0; c < N; c++) {
    const row = (lo + c) * n;
    z[c] = (c < n1 ? E[row + mid - 1] : sgn * E[row + mid]) * Math.SQRT1_2;
  }
  const r = 2 * Math.abs(rho);
  // Which halves of its row each eigenvector is nonzero on (rotations below may mix them).
  const hasTop = new Uint8Array(N);
  const hasBottom = new Uint8Array(N);
  for (let c = 0; c < N; c++) {
    if (c < n1) hasTop[c] = 1;
    else hasBottom[c] = 1;
  }
  // Both halves are sorted: merge their orders.
  const order = new Int32Array(N);
  for (let a = 0, b = n1, o = 0; o < N; o++) order[o] = b >= N || (a < n1 && D[a] <= D[b]) ? a++ : b++;

  let dmax = 0;
  let zmax = 0;
  for (let c = 0; c < N; c++) {
    dmax = Math.max(dmax, Math.abs(D[c]));
    zmax = Math.max(zmax, Math.abs(z[c]));
  }
  const tol = 8 * eps * Math.max(dmax, zmax);

  // Deflation (dlaed2): small r|z_c|, or two close D whose z can be rotated into one.
  const keep: number[] = [];
  const deflated: number[] = [];
  let pj = -1;
  for (let o = 0; o < N; o++) {
    const nj = order[o];
    if (r * Math.abs(z[nj]) <= tol) {
      deflated.push(nj);
      continue;
    }
    if (pj < 0) {
      pj = nj;
      continue;
    }
    const tau = Math.hypot(z[pj], z[nj]);
    const c = z[nj] / tau;
    const s = -z[pj] / tau;
    if (Math.abs((D[nj] - D[pj]) * c * s) <= tol) {
      z[nj] = tau;
      z[pj] = 0;
      rotateRowPair(E, n, lo, hi, lo + pj, lo + nj, c, s);
      hasTop[pj] = hasTop[nj] = hasTop[pj] | hasTop[nj];
      hasBottom[pj] = hasBottom[nj] = hasBottom[pj] | hasBottom[nj];
      const t = D[pj] * c * c + D[nj] * s * s;
      D[nj] = D[pj] * s * s + D[nj] * c * c;
      D[pj] = t;
      deflated.push(pj);
    } else {
      keep.push(pj);
    }
    pj = nj;
  }
  if (pj >= 0) keep.push(pj);
  const K = keep.length;

  // Eigenvalues and (row) eigenvectors of the non-deflated part: Ut[j*K + i] = component i of root j.
  const lambda = new Float64Array(K);
  let rows: Float64Array = new Float64Array(0); // K × N new eigenvector rows
  if (K > 0) {
    const dl = new Float64Array(K);
    const w2 = new Float64Array(K);
    for (let i = 0; i < K; i++) {
      dl[i] = D[keep[i]];
      w2[i] = z[keep[i]] * z[keep[i]];
    }
    const Ut = new Float64Array(K * K);
    const work = new Float64Array(K);
    for (let j = 0; j < K; j++) lambda[j] = secularRoot(dl, w2, K, r, j, Ut.subarray(j * K, (j + 1) * K), work);
    // Löwner: ŵ_i² ∝ Π_j (d_i − λ_j) / Π_{j≠i} (d_i − d_j), as a product of ratios near 1.
    const what = new Float64Array(K).fill(1);
    for (let j = 0; j < K; j++) {
      const uj = j * K;
      for (let i = 0; i < K; i++) what[i] *= i === j ? Ut[uj + i] : Ut[uj + i] / (dl[i] - dl[j]);
    }
    for (let i = 0; i < K; i++) {
      const m = Math.sqrt(Math.max(0, -what[i]));
      what[i] = z[keep[i]] < 0 ? -m : m;
    }
    for (let j = 0; j < K; j++) {
      const uj = j * K;
      let ss = 0;
      for (let i = 0; i < K; i++) {
        const u = what[i] / Ut[uj + i];
        Ut[uj + i] = u;
        ss += u * u;
      }
      const inv = 1 / Math.sqrt(ss);
      for (let i = 0; i < K; i++) Ut[uj + i] *= inv;
    }
    rows = combineRows(E, n, lo, mid, hi, keep, hasTop, hasBottom, Ut, K);
  }

  // Order the K new eigenvalues and the deflated ones ascending; write dd and E rows back.
  const deflatedRows = new Float64Array(deflated.length * N);
  for (let q = 0; q < deflated.length; q++) {
    deflatedRows.set(E.subarray((lo + deflated[q]) * n + lo, (lo + deflated[q]) * n + hi), q * N);
  }
  const all: { v: number; src: number }[] = [];
  for (let j = 0; j < K; j++) all.push({ v: lambda[j], src: j });
  for (let q = 0; q < deflated.length; q++) all.push({ v: D[deflated[q]], src: K + q });
  all.sort((a, b) => a.v - b.v || a.src - b.src);
  for (let o = 0; o < N; o++) {
    const { v, src } = all[o];
    dd[lo + o] = v;
    const from = src < K ? rows.subarray(src * N, (src + 1) * N) : deflatedRows.subarray((src - K) * N, (src - K + 1) * N);
    E.set(from, (lo + o) * n + lo);
  }
}

/** Rows p, q of E on columns [c0, c1): p ← c p + s q, q ← c q − s p (LAPACK drot on columns of Q). */
function rotateRowPair(E: Float64Array, n: number, c0: number, c1: number, p: number, q: number, c: number, s: number): void {
  const rp = p * n;
  const rq = q * n;
  for (let j = c0; j < c1; j++) {
    const x = E[rp + j];
    const y = E[rq + j];
    E[rp + j] = c * x + s * y;
    E[rq + j] = c * y - s * x;
  }
}

/**
 * New eigenvector rows (K × N, columns lo…hi−1): row j = Σ_i Ut[j, i] · E[lo + keep[i], lo:hi].
 * Split into the top columns [lo, mid) and bottom [mid, hi), each using only the kept rows that are
 * nonzero there, as two products (Ut restricted) × (rows restricted).
 */
function combineRows(
  E: Float64Array,
  n: number,
  lo: number,
  mid: number,
  hi: number,
  keep: number[],
  hasTop: Uint8Array,
  hasBottom: Uint8Array,
  Ut: Float64Array,
  K: number,
): Float64Array {
  const N = hi - lo;
  const out = new Float64Array(K * N);
  for (const [c0, c1, has] of [
    [lo, mid, hasTop],
    [mid, hi, hasBottom],
  ] as const) {
    const w = c1 - c0;
    const sel: number[] = [];
    for (let i = 0; i < K; i++) if (has[keep[i]]) sel.push(i);
    const k = sel.length;
    if (k === 0 || w === 0) continue;
    // A = Ut[:, sel] (K × k); Bt[c, t] = E[lo + keep[sel[t]], c0 + c] (w × k), so out = A Btᵀ.
    const A = new Float64Array(K * k);
    for (let j = 0; j < K; j++) for (let t = 0; t < k; t++) A[j * k + t] = Ut[j * K + sel[t]];
    const Bt = new Float64Array(w * k);
    for (let t = 0; t < k; t++) {
      const row = (lo + keep[sel[t]]) * n + c0;
      for (let c = 0; c < w; c++) Bt[c * k + t] = E[row + c];
    }
    const C = matmulABt(A, Bt, K, k, w);
    const off = c0 - lo;
    for (let j = 0; j < K; j++) out.set(C.subarray(j * w, (j + 1) * w), j * N + off);
  }
  return out;
}
