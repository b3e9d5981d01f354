// One StructPrune ADMM iteration (METHOD.md §4), step by step. State is plain host data; `step` returns a
// new state and never mutates its argument. Only one module's tensors are on the device at a time.
import { inspect } from 'util';
import { AdmmProblem, AdmmModule } from './problem';
import { intoEigenbasis, outOfEigenbasis } from './eigenbasis';
import { thresholdProjection, topKProjection } from '../projection';

export interface AdmmModuleState {
  id: string;
  /** P̃ (stored layout [n, d]). */
  W: Float32Array;
  /** Z̃: P̃ + Ũ with removed units' rows zeroed. */
  Z: Float32Array;
  /** Ũ, the scaled dual. */
  U: Float32Array;
  /** 1 = unit removed in Z̃ (indexed like spec.units). */
  removed: Uint8Array;
  /**
   * Ẑ = Qᵀ Z̃ and Û = Qᵀ Ũ: the same iterates in the eigenbasis, carried so that an iteration needs two
   * products per module instead of three (eigenbasis.ts). Recomputed when absent (e.g. a resumed checkpoint).
   */
  Zh?: Float32Array;
  Uh?: Float32Array;
}

/** Host-only numbers of one iteration. */
export interface AdmmReport {
  iteration: number;
  /** ρ used by this iteration's P-step (0 for the initial projection). */
  rho: number;
  /** The global threshold on σ/cost (`threshold` allocation; null otherwise). */
  lambda: number | null;
  /** Σ‖P̃ − Z̃‖². */
  primalResidual: number;
  /** ρ² Σ‖Z̃ − Z̃_prev‖². */
  dualResidual: number;
  /** Σ w_m f_m(Z): the objective of the structured iterate without compensation. */
  objective: number;
  /** Removed unit cost / total unit cost. */
  sparsity: number;
  perModule: { id: string; units: number; removed: number; sparsity: number }[];
  /** Units whose removed/kept status changed since the previous iteration. */
  flipped: number;
  seconds: number;
}

export interface AdmmState {
  iteration: number;
  /** ρ for the next iteration. */
  rho: number;
  modules: AdmmModuleState[];
  /** Consecutive iterations without a mask change. */
  stable: number;
  converged: boolean;
  reports: AdmmReport[];
}

/**
 * Give a state a compact REPL rendering (a non-enumerable util.inspect hook: the object stays plain data,
 * JSON.stringify and structuredClone ignore it). Big arrays are summarised; everything else is shown.
 */
export function printable(s: AdmmState): AdmmState {
  Object.defineProperty(s, inspect.custom, {
    enumerable: false,
    value: () => {
      const last = s.reports[s.reports.length - 1];
      const mods = s.modules
        .map((m) => `    ${m.id.padEnd(16)} removed ${m.removed.reduce((a, b) => a + b, 0)}/${m.removed.length}  P̃,Z̃,Ũ [${m.W.length}]`)
        .join('\n');
      return (
        `AdmmState {\n  iteration: ${s.iteration}, rho (next): ${s.rho}, stable: ${s.stable}, converged: ${s.converged}\n` +
        `  last report: λ=${last?.lambda} primal=${last?.primalResidual.toExponential(3)} dual=${last?.dualResidual.toExponential(3)} objective=${last?.objective.toExponential(4)} sparsity=${last?.sparsity.toFixed(4)} flipped=${last?.flipped}\n` +
        `  modules:\n${mods}\n  reports: [${s.reports.length} host-only reports]\n}`
      );
    },
  });
  return s;
}

/** σ_j = ‖Ṽ[:, j]‖² summed over the unit's columns of P̃ (rows in stored layout). */
export function unitScores(m: AdmmModule, V: Float32Array): Float64Array {
  const { width, units } = m.spec;
  const s = new Float64Array(units.length);
  const d = m.d;
  for (let r = 0; r < m.n; r++) {
    let acc = 0;
    for (let c = 0; c < d; c++) acc += V[r * d + c] * V[r * d + c];
    s[Math.floor(r / width)] += acc;
  }
  return s;
}

/** Z-step: the global closed-form projection of Ṽ onto the budgeted structured set. */
export function projectZ(problem: AdmmProblem, V: readonly Float32Array[]): { removed: Uint8Array[]; lambda: number | null } {
  const units = problem.modules.map((m, i) => ({ scores: unitScores(m, V[i]), costs: new Float64Array(m.spec.units.length).fill(m.spec.unitCost) }));
  if (problem.options.allocation === 'threshold') {
    const p = thresholdProjection(units, problem.budget);
    return { removed: p.removed, lambda: p.lambda };
  }
  return { removed: topKProjection(units, problem.counts!).removed, lambda: null };
}

function maskRows(m: AdmmModule, V: Float32Array, removed: Uint8Array): Float32Array {
  const Z = V.slice();
  const rowLen = m.spec.width * m.d;
  removed.forEach((r, u) => {
    if (r) Z.fill(0, u * rowLen, (u + 1) * rowLen);
  });
  return Z;
}

/** tr((Z̃ − W̃⁰)ᵀ H̃ (Z̃ − W̃⁰)) = Σ_i λ_i ‖(Ẑ − Ŵ⁰)_i‖² from Ẑ = Qᵀ Z̃ (float64 sum). */
function objectiveInEigenbasis(m: AdmmModule, Zh: Float32Array): number {
  let total = 0;
  for (let i = 0; i < m.n; i++) {
    let row = 0;
    for (let c = 0; c < m.d; c++) {
      const e = Zh[i * m.d + c] - m.W0h[i * m.d + c];
      row += e * e;
    }
    total += m.eig[i] * row;
  }
  return total;
}

/** Σ_m tr((Z̃ − W̃⁰)ᵀ H̃ (Z̃ − W̃⁰)) = Σ_i λ_i ‖(Qᵀ Z̃ − Ŵ⁰)_i‖², one product per module. */
export async function feasibleObjective(problem: AdmmProblem, Z: readonly Float32Array[]): Promise<number> {
  let total = 0;
  for (const [i, m] of problem.modules.entries()) {
    if (m.n === 0) continue;
    total += objectiveInEigenbasis(m, await intoEigenbasis(m.Q, Z[i], m.n, m.d));
  }
  return total;
}

/** ŷ = diag(1/(2λ+ρ)) (Ĝ + ρ (Ẑ − Û)) with Ĝ = Qᵀ G = 2 Λ Ŵ⁰: the P-step in the eigenbasis (no product). */
function pStepCoordinates(m: AdmmModule, Zh: Float32Array, Uh: Float32Array, rho: number): Float32Array {
  const { n, d } = m;
  const y = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const lam = m.eig[i];
    const inv = 1 / (2 * lam + rho);
    for (let c = 0; c < d; c++) {
      const k = i * d + c;
      y[k] = (2 * lam * m.W0h[k] + rho * (Zh[k] - Uh[k])) * inv;
    }
  }
  return y;
}

/** P-step for one module: P̃ = (2 H̃ + ρ I)⁻¹ (2 H̃ W̃⁰ + ρ (Z̃ − Ũ)) = Q diag(1/(2λ+ρ)) Qᵀ (G + ρ (Z̃ − Ũ)). */
export async function pStep(m: AdmmModule, Z: Float32Array, U: Float32Array, rho: number): Promise<Float32Array> {
  if (m.n === 0) return new Float32Array(0);
  const ZmU = new Float32Array(Z.length);
  for (let k = 0; k < Z.length; k++) ZmU[k] = Z[k] - U[k];
  // Qᵀ (Z̃ − Ũ) in one product; Ẑ − Û := that, Û := 0 (pStepCoordinates is linear in Ẑ − Û)
  const y = pStepCoordinates(m, await intoEigenbasis(m.Q, ZmU, m.n, m.d), new Float32Array(ZmU.length), rho);
  return outOfEigenbasis(m.Q, y, m.n, m.d);
}

function sumSq(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

/** What one iteration's report is computed from (Zprev/prevRemoved: the previous iterate; null at iteration 0). */
interface ReportInput {
  iteration: number;
  rho: number;
  lambda: number | null;
  W: Float32Array[];
  Z: Float32Array[];
  Zprev: Float32Array[] | null;
  removed: Uint8Array[];
  prevRemoved: Uint8Array[] | null;
  /** Σ_m w_m f_m(Z̃), computed in the eigenbasis by the caller. */
  objective: number;
  /** performance.now() at the start of the iteration. */
  t0: number;
}

async function report(problem: AdmmProblem, { iteration, rho, lambda, W, Z, Zprev, removed, prevRemoved, objective, t0 }: ReportInput): Promise<AdmmReport> {
  let primal = 0;
  let dual = 0;
  let flipped = 0;
  let removedCost = 0;
  let totalCost = 0;
  const perModule = problem.modules.map((m, i) => {
    primal += sumSq(W[i], Z[i]);
    if (Zprev) dual += sumSq(Z[i], Zprev[i]);
    let r = 0;
    removed[i].forEach((v, u) => {
      r += v;
      if (prevRemoved && prevRemoved[i][u] !== v) flipped++;
    });
    removedCost += r * m.spec.unitCost;
    totalCost += m.spec.units.length * m.spec.unitCost;
    return { id: m.id, units: m.spec.units.length, removed: r, sparsity: m.spec.units.length ? r / m.spec.units.length : 0 };
  });
  return {
    iteration,
    rho,
    lambda,
    primalResidual: primal,
    dualResidual: rho * rho * dual,
    objective,
    sparsity: totalCost ? removedCost / totalCost : 0,
    perModule,
    flipped,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Ẑ = Qᵀ Z̃ of every module (one product each) and the objective Σ λ_i ‖(Ẑ − Ŵ⁰)_i‖². */
async function intoEigenbasisAll(problem: AdmmProblem, Z: readonly Float32Array[]): Promise<{ Zh: Float32Array[]; objective: number }> {
  const Zh: Float32Array[] = [];
  let objective = 0;
  for (const [i, m] of problem.modules.entries()) {
    const zh = m.n === 0 ? new Float32Array(0) : await intoEigenbasis(m.Q, Z[i], m.n, m.d);
    objective += m.n === 0 ? 0 : objectiveInEigenbasis(m, zh);
    Zh.push(zh);
  }
  return { Zh, objective };
}

/** Iteration 0: P̃ = P̃⁰, Ũ = 0, Z̃ = projection of P̃⁰. */
export async function init(problem: AdmmProblem): Promise<AdmmState> {
  const t0 = performance.now();
  const W = problem.modules.map((m) => m.W0.slice());
  const { removed, lambda } = projectZ(problem, W);
  const Z = problem.modules.map((m, i) => maskRows(m, W[i], removed[i]));
  const U = problem.modules.map((m) => new Float32Array(m.n * m.d));
  const { Zh, objective } = await intoEigenbasisAll(problem, Z);
  const r = await report(problem, { iteration: 0, rho: 0, lambda, W, Z, Zprev: null, removed, prevRemoved: null, objective, t0 });
  return printable({
    iteration: 0,
    rho: problem.options.rho0,
    modules: problem.modules.map((m, i) => ({ id: m.id, W: W[i], Z: Z[i], U: U[i], removed: removed[i], Zh: Zh[i], Uh: new Float32Array(m.n * m.d) })),
    stable: 0,
    converged: false,
    reports: [r],
  });
}

/**
 * One ADMM iteration: P-step (per module), Z-step (global), U-step, report, ρ update. Per module two
 * [n, n]×[n, d] products: P̃ = Q ŷ out of the eigenbasis, Ẑ = Qᵀ Z̃ into it (objective and next P-step).
 */
export async function step(problem: AdmmProblem, state: AdmmState): Promise<AdmmState> {
  const t0 = performance.now();
  const rho = state.rho;
  // 1. P-step, one module at a time, in the eigenbasis: ŷ = Qᵀ P̃ (diagonal), P̃ = Q ŷ.
  const W: Float32Array[] = [];
  const Y: Float32Array[] = [];
  const UhPrev: Float32Array[] = [];
  for (const [i, m] of problem.modules.entries()) {
    const s = state.modules[i];
    if (m.n === 0) {
      W.push(new Float32Array(0));
      Y.push(new Float32Array(0));
      UhPrev.push(new Float32Array(0));
      continue;
    }
    const Zh = s.Zh ?? (await intoEigenbasis(m.Q, s.Z, m.n, m.d));
    const Uh = s.Uh ?? (await intoEigenbasis(m.Q, s.U, m.n, m.d));
    const y = pStepCoordinates(m, Zh, Uh, rho);
    W.push(await outOfEigenbasis(m.Q, y, m.n, m.d));
    Y.push(y);
    UhPrev.push(Uh);
  }
  // 2. Z-step: Ṽ = P̃ + Ũ, global projection.
  const V = W.map((w, i) => {
    const u = state.modules[i].U;
    const v = new Float32Array(w.length);
    for (let k = 0; k < w.length; k++) v[k] = w[k] + u[k];
    return v;
  });
  const { removed, lambda } = projectZ(problem, V);
  const Z = problem.modules.map((m, i) => maskRows(m, V[i], removed[i]));
  // 3. U-step: Ũ ← Ũ + P̃ − Z̃ (= Ṽ − Z̃); in the eigenbasis Û ← Û + ŷ − Ẑ.
  const U = V.map((v, i) => {
    const u = new Float32Array(v.length);
    for (let k = 0; k < v.length; k++) u[k] = v[k] - Z[i][k];
    return u;
  });
  const { Zh, objective } = await intoEigenbasisAll(problem, Z);
  const Uh = Zh.map((zh, i) => {
    const u = new Float32Array(zh.length);
    for (let k = 0; k < zh.length; k++) u[k] = UhPrev[i][k] + Y[i][k] - zh[k];
    return u;
  });
  // 4. Report.
  const r = await report(problem, {
    iteration: state.iteration + 1,
    rho,
    lambda,
    W,
    Z,
    Zprev: state.modules.map((s) => s.Z),
    removed,
    prevRemoved: state.modules.map((s) => s.removed),
    objective,
    t0,
  });
  // 5. ρ schedule and the stopping rule.
  const stable = r.flipped === 0 ? state.stable + 1 : 0;
  const converged = stable >= problem.options.patience && r.primalResidual < problem.options.tol * problem.norm0;
  return printable({
    iteration: state.iteration + 1,
    rho: Math.min(problem.options.rhoMax, problem.options.kappa * rho),
    modules: problem.modules.map((m, i) => ({ id: m.id, W: W[i], Z: Z[i], U: U[i], removed: removed[i], Zh: Zh[i], Uh: Uh[i] })),
    stable,
    converged,
    reports: [...state.reports, r],
  });
}

/** Whether another iteration should run. */
export function shouldContinue(problem: AdmmProblem, state: AdmmState): boolean {
  return !state.converged && state.iteration < problem.options.iterations;
}
