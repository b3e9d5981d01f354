// Householder reduction of a symmetric matrix to tridiagonal form, A = Hq T Hqᵀ, and the accumulation
// of Hqᵀ — the first half of `eigh` (the same factorization as JAMA's tred2 / LAPACK's dsytrd + dorgtr,
// with row-major, contiguous inner loops).
//
// Layout: A is n×n row-major; only its upper triangle (j ≥ i) is read. The reduction works on the upper
// triangle of a copy. Step k annihilates row k beyond its superdiagonal with the reflector
// H_k = I − τ_k v_k v_kᵀ (v_k supported on indices k+1…n−1, v_k[k+1] = 1), so Hq = H_0 H_1 ⋯ H_{n−2}.
// The reflector of step k is kept in row k of the work matrix (columns k+2…n−1).
//
// Fused one-pass update: the symmetric rank-2 update of step k−1 (S −= v wᵀ + w vᵀ) and the
// matrix–vector product p = τ S v of step k touch the same trailing rows, so both are done in a single
// sweep over the upper triangle (half the memory traffic of a two-pass dsytd2). ≈ (4/3) n³ flops.

import { assertShape } from './matrix';

/** Result of `tridiagonalize`. */
export interface Tridiagonal {
  /** Diagonal of T, length n. */
  d: Float64Array;
  /** Off-diagonal of T: e[k] = T[k, k+1] for k < n−1; e[n−1] = 0. Length n. */
  e: Float64Array;
  /** τ_k of each reflector (0 = identity), length n. */
  tau: Float64Array;
  /** n×n work matrix whose row k holds v_k[k+2…n−1] in columns k+2…n−1 (other entries meaningless). */
  V: Float64Array;
  /** Matrix size. */
  n: number;
}

/**
 * Reduce the symmetric n×n matrix A (row-major, upper triangle read) to tridiagonal T = Hqᵀ A Hq by
 * Householder reflectors. A is not modified. See `accumulateReflectorsTransposed` for Hqᵀ.
 */
export function tridiagonalize(A: ArrayLike<number>, n: number): Tridiagonal {
  assertShape(A, n, n, 'tridiagonalize: A');
  const W = Float64Array.from(A);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  let vPrev = new Float64Array(n); // v_{k−1} (indices ≥ k), zero before the first step
  let wPrev = new Float64Array(n); // w_{k−1}: S_{k} = S_{k−1} − v wᵀ − w vᵀ
  let v = new Float64Array(n);
  let p = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    // 1. Bring row k up to date with the update of step k−1.
    {
      const vk = vPrev[k];
      const wk = wPrev[k];
      for (let j = k; j < n; j++) W[rk + j] -= vk * wPrev[j] + wk * vPrev[j];
    }
    d[k] = W[rk + k];
    if (k === n - 1) break;
    // 2. Reflector for x = W[k, k+1…n−1]: H x = β e_1.
    const t = householder(W, rk, k + 1, n, v);
    tau[k] = t.tau;
    e[k] = t.beta;
    // 3. One pass over rows i ≥ k+1: apply step k−1's rank-2 update, accumulate p = S v (upper storage).
    p.fill(0, k + 1, n);
    let i = k + 1;
    for (; i + 1 < n; i += 2) updateTwoRowsAndMultiply(W, n, i, vPrev, wPrev, v, p);
    if (i < n) updateRowAndMultiply(W, n, i, vPrev, wPrev, v, p);
    // 4. w = τ p − (τ² pᵀv / 2) v, so that H S H = S − v wᵀ − w vᵀ.
    const tk = t.tau;
    let pv = 0;
    for (let j = k + 1; j < n; j++) {
      p[j] *= tk;
      pv += p[j] * v[j];
    }
    const K = 0.5 * tk * pv;
    for (let j = k + 1; j < n; j++) p[j] -= K * v[j];
    // Rotate buffers: (v, w) become step k's update; the old ones are reused.
    const ov = vPrev;
    const ow = wPrev;
    vPrev = v;
    wPrev = p;
    v = ov;
    p = ow;
    vPrev[k] = 0; // v_k, w_k vanish at index k (row k+1's update reads index k+1 onward)
    wPrev[k] = 0;
  }
  return { d, e, tau, V: W, n };
}

/**
 * Householder reflector of x = W[r0 + j0 … r0 + n − 1] (row segment): writes v (v[j0] = 1, v[j] for
 * j > j0) into `v` and into W's row segment beyond j0, returns τ and β with (I − τ v vᵀ) x = β e_1.
 * Scaled by max|x| so squares neither overflow nor underflow.
 */
function householder(W: Float64Array, r0: number, j0: number, n: number, v: Float64Array): { tau: number; beta: number } {
  const alpha = W[r0 + j0];
  let scale = 0;
  for (let j = j0 + 1; j < n; j++) scale = Math.max(scale, Math.abs(W[r0 + j]));
  v.fill(0, 0, j0);
  v[j0] = 1;
  if (scale === 0) {
    for (let j = j0 + 1; j < n; j++) v[j] = 0;
    return { tau: 0, beta: alpha };
  }
  scale = Math.max(scale, Math.abs(alpha));
  const inv = 1 / scale;
  let ss = 0;
  for (let j = j0; j < n; j++) {
    const x = W[r0 + j] * inv;
    ss += x * x;
  }
  const mu = scale * Math.sqrt(ss);
  const beta = alpha <= 0 ? mu : -mu;
  const v0inv = 1 / (alpha - beta);
  for (let j = j0 + 1; j < n; j++) {
    const vj = W[r0 + j] * v0inv;
    v[j] = vj;
    W[r0 + j] = vj;
  }
  return { tau: (beta - alpha) / beta, beta };
}

/**
 * Row i (upper part, columns ≥ i) of the trailing matrix: S_ij −= v_i w_j + w_i v_j (previous step),
 * then p += (S u) contributions of this row and of its mirror (S symmetric, upper storage).
 */
function updateRowAndMultiply(
  W: Float64Array,
  n: number,
  i: number,
  vp: Float64Array,
  wp: Float64Array,
  u: Float64Array,
  p: Float64Array,
): void {
  const ri = i * n;
  const vi = vp[i];
  const wi = wp[i];
  const ui = u[i];
  const aii = W[ri + i] - 2 * vi * wi;
  W[ri + i] = aii;
  let s0 = aii * ui;
  let s1 = 0;
  let j = i + 1;
  for (; j + 1 < n; j += 2) {
    const a0 = W[ri + j] - vi * wp[j] - wi * vp[j];
    const a1 = W[ri + j + 1] - vi * wp[j + 1] - wi * vp[j + 1];
    W[ri + j] = a0;
    W[ri + j + 1] = a1;
    s0 += a0 * u[j];
    s1 += a1 * u[j + 1];
    p[j] += a0 * ui;
    p[j + 1] += a1 * ui;
  }
  if (j < n) {
    const a0 = W[ri + j] - vi * wp[j] - wi * vp[j];
    W[ri + j] = a0;
    s0 += a0 * u[j];
    p[j] += a0 * ui;
  }
  p[i] += s0 + s1;
}

/** `updateRowAndMultiply` for rows i and i+1 at once: the loads of v, w, u and p are shared. */
function updateTwoRowsAndMultiply(
  W: Float64Array,
  n: number,
  i: number,
  vp: Float64Array,
  wp: Float64Array,
  u: Float64Array,
  p: Float64Array,
): void {
  const r0 = i * n;
  const r1 = r0 + n;
  const v0 = vp[i];
  const w0 = wp[i];
  const u0 = u[i];
  const v1 = vp[i + 1];
  const w1 = wp[i + 1];
  const u1 = u[i + 1];
  // The 2×2 upper block at (i, i): S_ii, S_i,i+1, S_i+1,i+1.
  const a00 = W[r0 + i] - 2 * v0 * w0;
  const a01 = W[r0 + i + 1] - v0 * w1 - w0 * v1;
  const a11 = W[r1 + i + 1] - 2 * v1 * w1;
  W[r0 + i] = a00;
  W[r0 + i + 1] = a01;
  W[r1 + i + 1] = a11;
  let s0 = a00 * u0 + a01 * u1;
  let s1 = a11 * u1;
  let pi1 = a01 * u0;
  for (let j = i + 2; j < n; j++) {
    const vj = vp[j];
    const wj = wp[j];
    const uj = u[j];
    const a0 = W[r0 + j] - v0 * wj - w0 * vj;
    const a1 = W[r1 + j] - v1 * wj - w1 * vj;
    W[r0 + j] = a0;
    W[r1 + j] = a1;
    s0 += a0 * uj;
    s1 += a1 * uj;
    p[j] += a0 * u0 + a1 * u1;
  }
  p[i] += s0;
  pi1 += s1;
  p[i + 1] += pi1;
}

/**
 * Z = Hqᵀ = H_{n−2} ⋯ H_1 H_0 (n×n row-major) from the reflectors of `tridiagonalize`, so that
 * A = Zᵀ T Z. Row i of Z is e_iᵀ H_{i−1} ⋯ H_0 (reflectors k ≥ i leave e_i unchanged).
 * ≈ (4/3) n³ flops.
 */
export function accumulateReflectorsTransposed(t: Tridiagonal): Float64Array {
  const { n } = t;
  const Z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Z[i * n + i] = 1;
  applyReflectors(t, Z, n, true);
  return Z;
}

/**
 * E ← E Hqᵀ = E H_{n−2} ⋯ H_0 in place, for E m×n row-major: turns eigenvectors of T stored as rows
 * into eigenvectors of A = Hq T Hqᵀ stored as rows. ≈ 4 m n² flops.
 */
export function applyReflectorsToRows(t: Tridiagonal, E: Float64Array, m: number): void {
  assertShape(E, m, t.n, 'applyReflectorsToRows: E');
  applyReflectors(t, E, m, false);
}

/**
 * Rows of E (m×n) times H_{n−2} ⋯ H_0, two reflectors at a time, in row blocks of R = 64 (measured:
 * 10–20 % faster than 16 or 32 at n = 1024–3072). `identityRows`: row i starts as e_i, so reflectors
 * k ≥ i can be skipped for it (z·v_k = 0 exactly).
 */
function applyReflectors(t: Tridiagonal, E: Float64Array, m: number, identityRows: boolean): void {
  const { n, V, tau } = t;
  if (n < 3) return;
  const R = 64;
  const va = new Float64Array(n);
  const vb = new Float64Array(n);
  for (let i0 = 0; i0 < m; i0 += R) {
    const i1 = Math.min(m, i0 + R);
    let k = identityRows ? Math.min(i1 - 2, n - 2) : n - 2;
    for (; k >= 1; k -= 2) {
      const ta = tau[k];
      const tb = tau[k - 1];
      if (ta === 0 && tb === 0) continue;
      // Dense copies: va = v_k (va[k] = 0, va[k+1] = 1), vb = v_{k−1} (vb[k] = 1).
      va[k] = 0;
      va[k + 1] = 1;
      vb[k] = 1;
      vb[k + 1] = V[(k - 1) * n + k + 1];
      for (let j = k + 2; j < n; j++) {
        va[j] = V[k * n + j];
        vb[j] = V[(k - 1) * n + j];
      }
      let gamma = 0; // v_k · v_{k−1}
      for (let j = k + 1; j < n; j++) gamma += va[j] * vb[j];
      applyReflectorPairToRows(E, n, va, vb, ta, tb, gamma, k, identityRows ? Math.max(i0, k) : i0, i1);
    }
    if (k === 0 && tau[0] !== 0) {
      va[0] = 0;
      va[1] = 1;
      for (let j = 2; j < n; j++) va[j] = V[j];
      applyReflectorPairToRows(E, n, va, va, tau[0], 0, 0, 0, identityRows ? Math.max(i0, 1) : i0, i1);
    }
  }
}

/**
 * z ← (z H_a) H_b for rows z = Z[i], i in [iBegin, iEnd), with H_a = I − τa va vaᵀ, H_b = I − τb vb vbᵀ,
 * va, vb dense (zero below index j0), γ = va·vb. With t_a = z·va, t_b = z·vb:
 * z −= α va + β vb, α = τa t_a, β = τb (t_b − α γ).
 */
function applyReflectorPairToRows(
  Z: Float64Array,
  n: number,
  va: Float64Array,
  vb: Float64Array,
  ta: number,
  tb: number,
  gamma: number,
  j0: number,
  iBegin: number,
  iEnd: number,
): void {
  let i = iBegin;
  for (; i + 3 < iEnd; i += 4) {
    const z0 = i * n;
    const z1 = z0 + n;
    const z2 = z1 + n;
    const z3 = z2 + n;
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    for (let j = j0; j < n; j++) {
      const x = va[j];
      const y = vb[j];
      const q0 = Z[z0 + j];
      const q1 = Z[z1 + j];
      const q2 = Z[z2 + j];
      const q3 = Z[z3 + j];
      a0 += q0 * x;
      a1 += q1 * x;
      a2 += q2 * x;
      a3 += q3 * x;
      b0 += q0 * y;
      b1 += q1 * y;
      b2 += q2 * y;
      b3 += q3 * y;
    }
    a0 *= ta;
    a1 *= ta;
    a2 *= ta;
    a3 *= ta;
    b0 = tb * (b0 - a0 * gamma);
    b1 = tb * (b1 - a1 * gamma);
    b2 = tb * (b2 - a2 * gamma);
    b3 = tb * (b3 - a3 * gamma);
    for (let j = j0; j < n; j++) {
      const x = va[j];
      const y = vb[j];
      Z[z0 + j] -= a0 * x + b0 * y;
      Z[z1 + j] -= a1 * x + b1 * y;
      Z[z2 + j] -= a2 * x + b2 * y;
      Z[z3 + j] -= a3 * x + b3 * y;
    }
  }
  for (; i < iEnd; i++) {
    const z0 = i * n;
    let a0 = 0;
    let b0 = 0;
    for (let j = j0; j < n; j++) {
      a0 += Z[z0 + j] * va[j];
      b0 += Z[z0 + j] * vb[j];
    }
    a0 *= ta;
    b0 = tb * (b0 - a0 * gamma);
    for (let j = j0; j < n; j++) Z[z0 + j] -= a0 * va[j] + b0 * vb[j];
  }
}
