// Roots of the secular equation of a rank-one update D + ρ w wᵀ (the merge step of divide-and-conquer
// eigh; LAPACK dlaed4 solves the same problem).
//
//   f(λ) = 1 + ρ Σ_i w_i² / (d_i − λ) = 0,   d_0 < d_1 < … < d_{K−1} strictly increasing, ρ > 0, w_i ≠ 0.
//
// Root j lies in (d_j, d_{j+1}) (the last one in (d_{K−1}, d_{K−1} + ρ‖w‖²]). It is found as an offset
// τ from the nearer pole ("origin"), so the differences d_i − λ_j = (d_i − d_origin) − τ are accurate
// to working precision: that is what makes the eigenvectors orthogonal after Gu–Eisenstat's
// recomputation of w. Iteration: the two-pole rational model of Bunch–Nielsen–Sorensen (ψ, the poles
// at or left of j, modelled by the pole d_j; φ, the poles right of j, by d_{j+1}), safeguarded by
// bisection on a bracket that shrinks every step.

/**
 * Root j of the secular equation. Writes δ_i = d_i − λ_j into `delta` (length ≥ K) and returns λ_j.
 * `work` is scratch of length ≥ K. d, w2 (= w_i²) have length ≥ K.
 */
export function secularRoot(d: Float64Array, w2: Float64Array, K: number, rho: number, j: number, delta: Float64Array, work: Float64Array): number {
  const eps = 2 ** -52;
  const last = j === K - 1;
  let origin: number;
  let lo: number;
  let hi: number;
  if (!last) {
    const half = (d[j + 1] - d[j]) / 2;
    let f = 1;
    for (let i = 0; i < K; i++) f += (rho * w2[i]) / (d[i] - d[j] - half);
    if (f >= 0) {
      origin = j; // root in (d_j, d_j + half]
      lo = 0;
      hi = half;
    } else {
      origin = j + 1; // root in (d_{j+1} − half, d_{j+1})
      lo = -half;
      hi = 0;
    }
  } else {
    origin = j;
    let s = 0;
    for (let i = 0; i < K; i++) s += w2[i];
    lo = 0;
    hi = rho * s;
  }
  const D0 = work; // Δ_i = d_i − d_origin
  const dor = d[origin];
  for (let i = 0; i < K; i++) D0[i] = d[i] - dor;

  let tau = 0.5 * (lo + hi);
  for (let iter = 0; iter < 200; iter++) {
    // ψ over i ≤ j, φ over i > j, and their derivatives in τ.
    let psi = 0;
    let dpsi = 0;
    let phi = 0;
    let dphi = 0;
    for (let i = 0; i <= j; i++) {
      const di = D0[i] - tau;
      const q = w2[i] / di;
      psi += q;
      dpsi += q / di;
    }
    for (let i = j + 1; i < K; i++) {
      const di = D0[i] - tau;
      const q = w2[i] / di;
      phi += q;
      dphi += q / di;
    }
    psi *= rho;
    dpsi *= rho;
    phi *= rho;
    dphi *= rho;
    const g = 1 + psi + phi;
    if (g < 0) lo = tau;
    else hi = tau;
    // Rounding error of g: the sums, plus the error of τ itself propagated through the derivative.
    const err = eps * (2 + 8 * (Math.abs(psi) + Math.abs(phi)) + Math.abs(tau) * (dpsi + dphi));
    if (Math.abs(g) <= err) break;
    // Rational model step η: C + B1/(δL − η) + B2/(δR − η) = 0 with η in (δL, δR).
    const dL = D0[j] - tau;
    const B1 = dpsi * dL * dL;
    const A1 = psi - B1 / dL;
    let eta = NaN;
    if (last) {
      const C = 1 + A1;
      if (C > 0) eta = dL + B1 / C;
    } else {
      const dR = D0[j + 1] - tau;
      const B2 = dphi * dR * dR;
      const A2 = phi - B2 / dR;
      const C = 1 + A1 + A2;
      const a = C;
      const b = -(C * (dL + dR) + B1 + B2);
      const c = g * dL * dR;
      if (a === 0) {
        eta = -c / b;
      } else {
        const sq = Math.sqrt(Math.max(0, b * b - 4 * a * c));
        const q = b >= 0 ? -0.5 * (b + sq) : -0.5 * (b - sq);
        const e1 = q / a;
        const e2 = q !== 0 ? c / q : NaN;
        eta = e1 > dL && e1 < dR ? e1 : e2;
      }
    }
    let next = tau + eta;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (next === tau || hi - lo <= 2 * eps * Math.max(Math.abs(lo), Math.abs(hi))) break;
    tau = next;
  }
  for (let i = 0; i < K; i++) delta[i] = D0[i] - tau;
  return dor + tau;
}
