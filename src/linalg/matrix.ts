// Small dense-matrix helpers on Float64Array, shared by the linalg files and their tests.
//
// Layout everywhere in src/linalg: row-major, an r×c matrix M has element (i, j) at M[i * c + j].

/** Throws a RangeError naming `what` when `M` does not hold exactly `rows × cols` elements. */
export function assertShape(M: ArrayLike<number>, rows: number, cols: number, what: string): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`${what}: shape ${rows}×${cols} must be non-negative integers`);
  }
  if (M.length !== rows * cols) {
    throw new RangeError(
      `${what}: expected ${rows}×${cols} = ${rows * cols} elements (row-major), got ${M.length}; ` +
        'pass the matrix as a flat row-major Float64Array and its true dimensions',
    );
  }
}

/** The transpose of the r×c row-major matrix M, as a new c×r row-major matrix (cache-blocked). */
export function transpose(M: ArrayLike<number>, r: number, c: number): Float64Array {
  assertShape(M, r, c, 'transpose: M');
  const T = new Float64Array(r * c);
  const b = 32;
  for (let i0 = 0; i0 < r; i0 += b) {
    const i1 = Math.min(r, i0 + b);
    for (let j0 = 0; j0 < c; j0 += b) {
      const j1 = Math.min(c, j0 + b);
      for (let i = i0; i < i1; i++) {
        const row = i * c;
        for (let j = j0; j < j1; j++) T[j * r + i] = M[row + j];
      }
    }
  }
  return T;
}

/**
 * C = A B for A r×k and B k×c (row-major), as a new r×c matrix. Plain i-k-j loops with contiguous
 * inner rows: meant for tests and small host products, not for the hot path of large models.
 */
export function matmul(A: ArrayLike<number>, B: ArrayLike<number>, r: number, k: number, c: number): Float64Array {
  assertShape(A, r, k, 'matmul: A');
  assertShape(B, k, c, 'matmul: B');
  const C = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    const ci = i * c;
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      const bp = p * c;
      for (let j = 0; j < c; j++) C[ci + j] += a * B[bp + j];
    }
  }
  return C;
}

/** The n×n identity matrix (row-major). */
export function identity(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/**
 * The principal submatrix A[S, S] of the n×n matrix A, in the order of the indices S (|S|×|S|,
 * row-major). Indices must lie in [0, n).
 */
export function principalSubmatrix(A: ArrayLike<number>, n: number, S: ArrayLike<number>): Float64Array {
  assertShape(A, n, n, 'principalSubmatrix: A');
  const k = S.length;
  for (let a = 0; a < k; a++) {
    if (!Number.isInteger(S[a]) || S[a] < 0 || S[a] >= n) {
      throw new RangeError(`principalSubmatrix: index S[${a}] = ${S[a]} is outside [0, ${n})`);
    }
  }
  const B = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    const row = S[a] * n;
    for (let b = 0; b < k; b++) B[a * k + b] = A[row + S[b]];
  }
  return B;
}

/** max |M_ij| (the max-abs "norm"); 0 for an empty matrix. */
export function maxAbs(M: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < M.length; i++) {
    const v = Math.abs(M[i]);
    if (v > m || Number.isNaN(v)) m = v;
  }
  return m;
}

/**
 * A seeded uniform generator on [0, 1) (mulberry32, 32-bit state): the same seed gives the same
 * stream. Returns a closure; no shared state.
 */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An r×c matrix of seeded standard normal entries (Box–Muller on `seededUniform(seed)`). */
export function randomNormal(r: number, c: number, seed: number): Float64Array {
  const u = seededUniform(seed);
  const M = new Float64Array(r * c);
  for (let i = 0; i < M.length; i += 2) {
    const u1 = 1 - u(); // (0, 1]: log is finite
    const rad = Math.sqrt(-2 * Math.log(u1));
    const th = 2 * Math.PI * u();
    M[i] = rad * Math.cos(th);
    if (i + 1 < M.length) M[i + 1] = rad * Math.sin(th);
  }
  return M;
}

/**
 * A seeded Gram matrix G = X Xᵀ / t (n×n, symmetric positive semidefinite; positive definite with
 * probability 1 when t ≥ n) from an n×t standard normal X, like a calibration Gram H = A Aᵀ.
 * Optional `ridge` is added to the diagonal (default 0).
 */
export function randomGram(n: number, t: number, seed: number, ridge = 0): Float64Array {
  const X = randomNormal(n, t, seed);
  const G = new Float64Array(n * n);
  // 2×2 tiles of dot products of contiguous rows of X; G symmetric by construction.
  for (let i = 0; i < n; i += 2) {
    const i1 = Math.min(i + 1, n - 1);
    const a0 = i * t;
    const a1 = i1 * t;
    for (let j = 0; j <= i1; j += 2) {
      const j1 = Math.min(j + 1, n - 1);
      const b0 = j * t;
      const b1 = j1 * t;
      let s00 = 0,
        s01 = 0,
        s10 = 0,
        s11 = 0;
      for (let p = 0; p < t; p++) {
        const x0 = X[a0 + p];
        const x1 = X[a1 + p];
        const y0 = X[b0 + p];
        const y1 = X[b1 + p];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      G[i * n + j] = G[j * n + i] = s00 / t;
      G[i * n + j1] = G[j1 * n + i] = s01 / t;
      G[i1 * n + j] = G[j * n + i1] = s10 / t;
      G[i1 * n + j1] = G[j1 * n + i1] = s11 / t;
    }
  }
  for (let i = 0; i < n; i++) G[i * n + i] += ridge;
  return G;
}
