// The two products of the ADMM algebra in the eigenbasis of H̃ = Q Λ Qᵀ (METHOD.md §4): X̂ = Qᵀ X ("into")
// and X = Q X̂ ("out of"), for one module's [n, d] iterates. An iteration needs exactly one of each per module
// (step.ts): the P-step is diagonal in the eigenbasis, P̃ = Q diag(1/(2λ+ρ)) (Ĝ + ρ (Ẑ − Û)), and the objective
// of Z̃ is Σ_i λ_i ‖(Ẑ − Ŵ⁰)_i‖², with Ẑ = Qᵀ Z̃ also feeding the next P-step.
//
// Engine: OpenBLAS sgemm through koffi when the tfjs backend computes on the CPU (wasm, cpu) and OpenBLAS is
// active (src/linalg/blas.ts): measured 5–10× faster than tfjs-wasm at the OPT-125M FFN shape (3072×3072×768)
// and faster down to stories260K's shapes (README, "Speed"); otherwise tfjs matMul on the backend's device
// (webgpu, tensorflow keep their device path). Both are float32 products with float32 results.
import { tf } from '../../backend';
import { read } from '../../util/read';
import { lapack } from '../../linalg/blas';

/** Which engine computes the eigenbasis products now: 'openblas' or 'tfjs'. */
export function eigenbasisEngine(): 'openblas' | 'tfjs' {
  const b = tf.getBackend();
  return (b === 'wasm' || b === 'cpu') && lapack() !== null ? 'openblas' : 'tfjs';
}

/** X̂ = Qᵀ X for Q [n, n] (eigenvectors as columns) and X [n, d], row-major float32. */
export async function intoEigenbasis(Q: Float32Array, X: Float32Array, n: number, d: number): Promise<Float32Array> {
  const la = eigenbasisEngine() === 'openblas' ? lapack() : null;
  if (la) {
    const Y = new Float32Array(n * d);
    la.sgemm(true, false, n, d, n, 1, Q, X, 0, Y);
    return Y;
  }
  // explicit transpose: the wasm/tfjs fast path (STACK.md)
  return (await read(() => tf.matMul(tf.transpose(tf.tensor2d(Q, [n, n])), tf.tensor2d(X, [n, d])))) as Float32Array;
}

/** X = Q X̂ for Q [n, n] and X̂ [n, d], row-major float32. */
export async function outOfEigenbasis(Q: Float32Array, Xh: Float32Array, n: number, d: number): Promise<Float32Array> {
  const la = eigenbasisEngine() === 'openblas' ? lapack() : null;
  if (la) {
    const X = new Float32Array(n * d);
    la.sgemm(false, false, n, d, n, 1, Q, Xh, 0, X);
    return X;
  }
  return (await read(() => tf.matMul(tf.tensor2d(Q, [n, n]), tf.tensor2d(Xh, [n, d])))) as Float32Array;
}
