// Per-module pruning problems (METHOD.md §3): the down projection W⁰ = P⁰ᵀ [n, d] (stored layout), the
// Gram matrix H [n, n], the module weight w_m and the damping δ. Everything here is host data.
import { tf } from '../backend';
import { read } from '../util/read';
import { lapack } from '../linalg/blas';
import { eigenbasisEngine } from './admm/eigenbasis';
import { Model } from '../model/model';
import { ModuleSpec, moduleSpecs } from './coupling';
import { CalibrationStats } from './stats';
import { OutputGradients } from './blockBackward';
import { outputWeights } from './lossAware';
import { PRUNE_DEFAULTS } from './defaults';

export type ModuleWeighting = 'relative' | 'absolute' | 'residual' | 'loss';
export const MODULE_WEIGHTINGS: readonly ModuleWeighting[] = ['relative', 'absolute', 'residual', 'loss'];

export interface ModuleProblem {
  spec: ModuleSpec;
  /** Hidden columns (units × width). */
  n: number;
  /** Output dimension (dModel). */
  d: number;
  H: Float64Array;
  W0: Float32Array;
  /** ‖P⁰ A‖²_F = tr(W⁰ᵀ H W⁰): the module's output energy on the calibration set. */
  outputEnergy: number;
  /**
   * w_m: 1/‖P⁰A‖² ("relative", default: every module's relative output error counts alike), 1 ("absolute"),
   * or 1/Σ_t‖x_t‖² of the residual stream entering the block ("residual": errors relative to the stream the
   * module writes into, so attention and FFN of one block compare in the same units).
   */
  weight: number;
  /**
   * ω_m [d] ("loss" weighting only): per-output-channel weights, so the module objective is
   * w_m Σ_k ω_k ΔW[:, k]ᵀ H ΔW[:, k] ≈ the increase of the mean calibration loss (METHOD.md §3b).
   */
  outputWeight?: Float64Array;
  /** δ = damp · mean(diag H). */
  delta: number;
}

export interface ProblemOptions {
  /** Module weights (default PRUNE_DEFAULTS.weighting = "relative"); "loss" needs `sensitivity`. */
  weighting?: ModuleWeighting;
  /** Output sensitivities G_m (blockwiseOutputGradients) for the "loss" weighting. */
  sensitivity?: OutputGradients;
  /** Relative damping (default PRUNE_DEFAULTS.damp = 0.01). */
  damp?: number;
  /** The model's modules when the caller has them (prune computes them once); default moduleSpecs(model). */
  specs?: readonly ModuleSpec[];
}

/**
 * tr(Wᵀ H W) in float32 (n²·d work; fine for a float32 weight): OpenBLAS sgemm on the CPU backends when it is
 * active (eigenbasis.ts's rule), else on the device.
 */
async function quadForm(H: Float64Array, W: Float32Array, n: number, d: number): Promise<number> {
  if (n === 0) return 0;
  const la = eigenbasisEngine() === 'openblas' ? lapack() : null;
  if (la) {
    const HW = new Float32Array(n * d);
    la.sgemm(false, false, n, d, n, 1, Float32Array.from(H), W, 0, HW);
    let s = 0;
    for (let i = 0; i < HW.length; i++) s += W[i] * HW[i];
    return s;
  }
  return (
    await read(() => {
      const w = tf.tensor2d(W, [n, d]);
      return tf.sum(tf.mul(w, tf.matMul(tf.tensor2d(Float32Array.from(H), [n, n]), w)));
    })
  )[0];
}

export async function buildProblems(model: Model, stats: CalibrationStats, opts: ProblemOptions = {}): Promise<ModuleProblem[]> {
  const weighting = opts.weighting ?? PRUNE_DEFAULTS.weighting;
  const damp = opts.damp ?? PRUNE_DEFAULTS.damp;
  if (!MODULE_WEIGHTINGS.includes(weighting)) throw new RangeError(`weighting must be one of ${MODULE_WEIGHTINGS.join(', ')}, got "${weighting}"`);
  if (weighting === 'loss' && !opts.sensitivity)
    throw new RangeError('weighting "loss" needs options.sensitivity (blockwiseOutputGradients of the calibration windows)');
  const omega = weighting === 'loss' ? outputWeights(opts.sensitivity!) : undefined;
  const specs = opts.specs ?? moduleSpecs(model.config, model.weights);
  const problems: ModuleProblem[] = [];
  for (const spec of specs) {
    const g = stats.grams.find((x) => x.id === spec.id);
    if (!g) throw new Error(`calibration statistics have no Gram matrix for ${spec.id}`);
    const W = model.weights[spec.downKey];
    const n = spec.units.length * spec.width;
    if (g.n !== n || W.shape[0] !== n) throw new Error(`${spec.id}: Gram is ${g.n}×${g.n}, ${spec.downKey} is [${W.shape}], expected ${n} hidden columns`);
    const d = W.shape[1];
    const outputEnergy = await quadForm(g.H, W.data, n, d);
    let tr = 0;
    for (let i = 0; i < n; i++) tr += g.H[i * n + i];
    const stream = stats.streamEnergy?.[spec.layer] ?? 0;
    const outputWeight = omega?.get(spec.id);
    if (omega && (!outputWeight || outputWeight.length !== d))
      throw new Error(`${spec.id}: the sensitivities have no output weights of length ${d}; compute them on this model`);
    const weight =
      weighting === 'absolute' || weighting === 'loss' ? 1 : weighting === 'residual' ? (stream > 0 ? 1 / stream : 1) : outputEnergy > 0 ? 1 / outputEnergy : 1;
    problems.push({ spec, n, d, H: g.H, W0: W.data, outputEnergy, weight, ...(outputWeight ? { outputWeight } : {}), delta: damp * (n > 0 ? tr / n : 0) });
  }
  return problems;
}

/**
 * Dense unit energies e_j = w_m · Σ_{c ∈ unit j} H_cc ‖W⁰[c, :]‖² (Wanda-structured score, squared), with
 * ‖·‖² weighted by ω_k per output channel under the "loss" weighting (then e_j ≈ the loss increase of
 * removing unit j alone, without compensation).
 */
export function unitEnergies(p: ModuleProblem): Float64Array {
  const { spec, n, d, H, W0, outputWeight: om } = p;
  const e = new Float64Array(spec.units.length);
  for (let c = 0; c < n; c++) {
    let s = 0;
    if (om) for (let k = 0; k < d; k++) s += om[k] * W0[c * d + k] * W0[c * d + k];
    else for (let k = 0; k < d; k++) s += W0[c * d + k] * W0[c * d + k];
    e[Math.floor(c / spec.width)] += p.weight * H[c * n + c] * s;
  }
  return e;
}
