// The loss-aware module objective (METHOD.md §3b). With g_t = ∂ℒ_Σ/∂y_t the gradient of the summed calibration
// loss at module m's output and a_t its hidden activation, the empirical Fisher, with per-position gradients
// and a diagonal Kronecker factor on the output side, gives for a change ΔW of the down projection
// (stored layout W = Pᵀ, [n, d]):
//   Δℒ ≈ 1/(2 N_pred) Σ_t (a_tᵀ ΔW g_t)² ≈ 1/(2 N_pred N_pos) Σ_k G_k ΔW[:, k]ᵀ H ΔW[:, k],
// G_k = Σ_t g_{t,k}², H = Σ_t a_t a_tᵀ (N_pos positions, N_pred predicted tokens). So ω_k = G_k/(2 N_pred N_pos)
// turns the module objective into loss units, comparable across modules, kinds and layers.
import { OutputGradients } from './blockBackward';

/** ω_m = G_m / (2 N_pred N_pos) per module id (see the file comment). */
export function outputWeights(s: OutputGradients): Map<string, Float64Array> {
  const scale = 1 / (2 * s.predicted * s.positions);
  return new Map(s.ids.map((id, m) => [id, Float64Array.from(s.G[m], (v) => v * scale)]));
}

/**
 * Predicted loss increase of changing module m's down projection by ΔW [n, d] (host maths, float64):
 * Σ_k ω_k ΔW[:, k]ᵀ H ΔW[:, k].
 */
export function predictedLossIncrease(H: Float64Array, omega: Float64Array, dW: ArrayLike<number>, n: number, d: number): number {
  if (H.length !== n * n || omega.length !== d || dW.length !== n * d)
    throw new RangeError(`predictedLossIncrease: need H [${n}×${n}], ω [${d}], ΔW [${n}×${d}]`);
  let total = 0;
  const hx = new Float64Array(n);
  for (let k = 0; k < d; k++) {
    if (omega[k] === 0) continue;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += H[i * n + j] * dW[j * d + k];
      hx[i] = acc;
    }
    let q = 0;
    for (let i = 0; i < n; i++) q += dW[i * d + k] * hx[i];
    total += omega[k] * q;
  }
  return total;
}
