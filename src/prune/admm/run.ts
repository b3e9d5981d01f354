// Driving the ADMM: a generator of host-only reports, a runner with optional checkpoint/resume, and
// mask inspection for notebooks.
import { AdmmProblem } from './problem';
import { AdmmReport, AdmmState, init, step, shouldContinue, unitScores } from './step';

/**
 * Iterate from `state` (default: init) until converged or out of iterations, yielding each new report
 * (the initial projection's report first when starting fresh). The generator's return value is the final state.
 */
export async function* iterate(problem: AdmmProblem, state?: AdmmState): AsyncGenerator<AdmmReport, AdmmState, void> {
  let s = state ?? (await init(problem));
  if (!state) yield s.reports[0];
  while (shouldContinue(problem, s)) {
    s = await step(problem, s);
    yield s.reports[s.reports.length - 1];
  }
  return s;
}

export interface RunAdmmOptions {
  /** Resume from this state instead of starting fresh. */
  state?: AdmmState;
  /** Called with each report. */
  onReport?: (r: AdmmReport) => void;
  /** Called with each new state (e.g. to checkpoint it). */
  onState?: (s: AdmmState) => void;
}

/** Run to the end; returns the final state. */
export async function runAdmm(problem: AdmmProblem, opts: RunAdmmOptions = {}): Promise<AdmmState> {
  let s = opts.state ?? (await init(problem));
  if (!opts.state) {
    opts.onReport?.(s.reports[0]);
    opts.onState?.(s);
  }
  while (shouldContinue(problem, s)) {
    s = await step(problem, s);
    opts.onReport?.(s.reports[s.reports.length - 1]);
    opts.onState?.(s);
  }
  return s;
}

export interface MaskView {
  id: string;
  /** σ_j / cost_j of every unit of the module at this state (Ṽ = P̃ + Ũ). */
  scores: Float64Array;
  /** The threshold the Z-step used: the global λ, or this module's k-th smallest score for count allocations. */
  threshold: number;
  /** Original indices of the kept and removed units. */
  kept: number[];
  removed: number[];
}

/** The closed-form mask of one module at `state`: scores, threshold and the kept set. */
export function inspectMask(problem: AdmmProblem, state: AdmmState, moduleId: string): MaskView {
  const i = problem.modules.findIndex((m) => m.id === moduleId);
  if (i < 0) throw new RangeError(`no module "${moduleId}"; modules: ${problem.modules.map((m) => m.id).join(', ')}`);
  const m = problem.modules[i];
  const st = state.modules[i];
  // The mask in `state` was chosen from Ṽ = P̃ + Ũ_prev = Z̃ + Ũ on kept rows; recompute from P̃ + Ũ_prev ≡ Z̃ + Ũ_new.
  const V = new Float32Array(st.Z.length);
  for (let k = 0; k < V.length; k++) V[k] = st.Z[k] + st.U[k];
  const sigma = unitScores(m, V);
  const scores = Float64Array.from(sigma, (v) => v / m.spec.unitCost);
  const kept: number[] = [];
  const removed: number[] = [];
  st.removed.forEach((r, u) => (r ? removed : kept).push(m.spec.units[u]));
  const last = state.reports[state.reports.length - 1];
  let threshold: number;
  if (last.lambda !== null) threshold = last.lambda;
  else {
    const keptScores = Array.from(scores).filter((_, u) => !st.removed[u]);
    threshold = keptScores.length ? Math.min(...keptScores) : Infinity;
  }
  return { id: moduleId, scores, threshold, kept, removed };
}
