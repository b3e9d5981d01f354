// Implicit QL iteration for a symmetric tridiagonal matrix (JAMA tql2 / EISPACK), with the plane
// rotations optionally applied to the ROWS of a row-major n×n matrix Z (eigenvectors as rows).
//
// Rotations are recorded and applied in batches, column strip by column strip of Z, so each strip
// stays in cache while thousands of rotations pass over it (columns of Z are independent under row
// rotations, so the result equals applying them one by one).

/** Thrown when the QL iteration does not converge (NaN/Inf input or pathological rounding). */
export class EighConvergenceError extends Error {
  constructor(
    readonly n: number,
    readonly index: number,
    readonly iterations: number,
  ) {
    super(
      `eigh: QL iteration on the ${n}×${n} tridiagonal did not converge for eigenvalue ${index} after ` +
        `${iterations} iterations; check the matrix for NaN/Inf or huge dynamic range, or raise maxIterations`,
    );
    this.name = 'EighConvergenceError';
  }
}

/**
 * Implicit QL on the symmetric tridiagonal (d, e) with e[k] = T[k, k+1] (JAMA tql2). On return d holds
 * the eigenvalues (unsorted). Each rotation (i, c, s) — mixing rows i and i+1 of Z — is passed to
 * `rot` when given.
 */
export function implicitQL(d: Float64Array, e: Float64Array, n: number, maxIterations: number, rot: RotationBatch | null): void {
  if (n === 0) return;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    // Iterate until e[l] is negligible (then d[l] is an eigenvalue). The block l…m ends at the first
    // negligible subdiagonal element, re-found every iteration so splits shorten the sweeps.
    for (let iter = 0; ; iter++) {
      let m = l;
      while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
      if (m === l) break;
      if (iter >= maxIterations) throw new EighConvergenceError(n, l, iter);
      // Implicit shift from the leading 2×2.
      let g = d[l];
      let p = (d[l + 1] - g) / (2 * e[l]);
      let r = Math.hypot(p, 1);
      if (p < 0) r = -r;
      d[l] = e[l] / (p + r);
      d[l + 1] = e[l] * (p + r);
      const dl1 = d[l + 1];
      let h = g - d[l];
      for (let i = l + 2; i < n; i++) d[i] -= h;
      f += h;
      // QL sweep from m−1 up to l.
      p = d[m];
      let c = 1;
      let c2 = c;
      let c3 = c;
      const el1 = e[l + 1];
      let s = 0;
      let s2 = 0;
      if (rot) rot.reserve(m - l);
      for (let i = m - 1; i >= l; i--) {
        c3 = c2;
        c2 = c;
        s2 = s;
        g = c * e[i];
        h = c * p;
        r = Math.hypot(p, e[i]);
        e[i + 1] = s * r;
        s = e[i] / r;
        c = p / r;
        p = c * d[i] - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]);
        if (rot) rot.push(i, c, s);
      }
      p = (-s * s2 * c3 * el1 * e[l]) / dl1;
      e[l] = s * p;
      d[l] = c * p;
    }
    d[l] += f;
    e[l] = 0;
  }
}

/**
 * Recorded plane rotations of rows of Z (n×n, modified in place): rotation (i, c, s) maps rows
 * (z_i, z_{i+1}) to (c z_i − s z_{i+1}, s z_i + c z_{i+1}). Applied in order, one column strip at a
 * time, when the buffer (`capacity` rotations, default min(2²⁰, 64 n)) fills or on `flush()`;
 * call `flush()` after the last `push`.
 */
export class RotationBatch {
  private readonly idx: Int32Array;
  private readonly cs: Float64Array; // interleaved c, s
  private count = 0;

  constructor(
    private readonly Z: Float64Array,
    private readonly n: number,
    capacity = Math.max(1024, Math.min(1 << 20, 64 * n)),
  ) {
    this.idx = new Int32Array(capacity);
    this.cs = new Float64Array(2 * capacity);
  }

  /** Make room for k more rotations (flushing if needed). */
  reserve(k: number): void {
    if (this.count + k > this.idx.length) this.flush();
  }

  /** Record rotation (i, c, s); call `reserve` first so the buffer has room. */
  push(i: number, c: number, s: number): void {
    const q = this.count++;
    this.idx[q] = i;
    this.cs[2 * q] = c;
    this.cs[2 * q + 1] = s;
  }

  /**
   * Apply all recorded rotations to Z, in order, and clear the batch. Within a QL sweep the rotations
   * act on rows i+1, i, i−1, … so four consecutive ones are fused: each row of the chain is loaded and
   * stored once, the carried row stays in registers.
   */
  flush(): void {
    const { Z, n, idx, cs, count } = this;
    const W = 64; // strip width: the strip (n × W doubles) is reused by every rotation
    for (let c0 = 0; c0 < n; c0 += W) {
      const c1 = Math.min(n, c0 + W);
      let q = 0;
      while (q < count) {
        const i = idx[q];
        if (q + 3 < count && idx[q + 1] === i - 1 && idx[q + 2] === i - 2 && idx[q + 3] === i - 3) {
          rotateChain4(Z, n, i, cs, 2 * q, c0, c1);
          q += 4;
        } else {
          rotateRows(Z, n, i, cs[2 * q], cs[2 * q + 1], c0, c1);
          q += 1;
        }
      }
    }
    this.count = 0;
  }
}

/** Rows (z_i, z_{i+1}) ← (c z_i − s z_{i+1}, s z_i + c z_{i+1}) on columns [c0, c1). */
function rotateRows(Z: Float64Array, n: number, i: number, c: number, s: number, c0: number, c1: number): void {
  const a = i * n;
  const b = a + n;
  for (let j = c0; j < c1; j++) {
    const zb = Z[b + j];
    const za = Z[a + j];
    Z[b + j] = s * za + c * zb;
    Z[a + j] = c * za - s * zb;
  }
}

/** The rotations at rows i, i−1, i−2, i−3 (in that order; c, s from cs[q…q+7]) on columns [c0, c1). */
function rotateChain4(Z: Float64Array, n: number, i: number, cs: Float64Array, q: number, c0: number, c1: number): void {
  const C0 = cs[q],
    S0 = cs[q + 1],
    C1 = cs[q + 2],
    S1 = cs[q + 3];
  const C2 = cs[q + 4],
    S2 = cs[q + 5],
    C3 = cs[q + 6],
    S3 = cs[q + 7];
  const r4 = (i + 1) * n;
  const r3 = r4 - n;
  const r2 = r3 - n;
  const r1 = r2 - n;
  const r0 = r1 - n;
  for (let j = c0; j < c1; j++) {
    let y = Z[r3 + j];
    const x = Z[r4 + j];
    Z[r4 + j] = S0 * y + C0 * x;
    let t = C0 * y - S0 * x;
    y = Z[r2 + j];
    Z[r3 + j] = S1 * y + C1 * t;
    t = C1 * y - S1 * t;
    y = Z[r1 + j];
    Z[r2 + j] = S2 * y + C2 * t;
    t = C2 * y - S2 * t;
    y = Z[r0 + j];
    Z[r1 + j] = S3 * y + C3 * t;
    Z[r0 + j] = C3 * y - S3 * t;
  }
}
