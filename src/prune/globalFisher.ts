// `global` (METHOD.md §6), the O(N) reference with the loss-aware objective of §3b computed exactly: the whole
// model resident, one backward pass per calibration window through every layer, and for every unit j the
// empirical-Fisher loss increase of removing it, without StructPrune's per-module (Kronecker) factorisation:
//   I_j = 1/(2 N_pred) Σ_t (Σ_{c ∈ j} a_{t,c} · (W_c · g_t))²,
// a_t the module's hidden activation, W_c row c of its down projection (stored layout [n, d]) and g_t = ∂ℒ_Σ/∂y_t
// the exact gradient at the module output. (StructPrune's e_j replaces Σ_t(a·(W·g))² by Σ_k G_k H_jj W_jk².)
// One threshold on I_j / cost_j across all modules; compensation and slicing are the shared finalize step.
// Device memory: every weight plus every layer's saved activations of one window: O(N).
import { Model } from '../model/model';
import { ModuleSpec, moduleSpecs } from './coupling';
import { thresholdProjection } from './projection';
import { RemovedMask } from './slice';
import { wholeModelOutputGradients } from './blockBackward';

/** Exact loss-aware unit importances (host data), moduleSpecs() order. */
export interface FisherImportance {
  ids: string[];
  /** I_j per module, indexed like ModuleSpec.units. */
  importance: Float64Array[];
  /** Mean next-token NLL of the dense model on the windows. */
  loss: number;
}

/** I_j of every unit (see the file comment); `specs`: the model's modules when the caller has them. Leaks no tensors. */
export async function fisherImportance(
  model: Model,
  windows: readonly number[][],
  onProgress?: (done: number, total: number) => void,
  specs: readonly ModuleSpec[] = moduleSpecs(model.config, model.weights),
): Promise<FisherImportance> {
  const byId = new Map(specs.map((s, m) => [s.id, m]));
  const F = specs.map((s) => new Float64Array(s.units.length));
  const T = windows[0]?.length ?? 0;
  const r = await wholeModelOutputGradients(model, windows, {
    onProgress,
    specs,
    onCapture: (_w, id, a, g) => {
      const m = byId.get(id)!;
      const s = specs[m];
      const W = model.weights[s.downKey];
      const [n, d] = W.shape;
      const units = s.units.length;
      const c = new Float64Array(units);
      for (let t = 0; t < T; t++) {
        c.fill(0);
        for (let col = 0; col < n; col++) {
          const av = a[t * n + col];
          if (av === 0) continue;
          let dot = 0;
          for (let k = 0; k < d; k++) dot += W.data[col * d + k] * g[t * d + k];
          c[Math.floor(col / s.width)] += av * dot;
        }
        for (let u = 0; u < units; u++) F[m][u] += c[u] * c[u];
      }
    },
  });
  const scale = 1 / (2 * r.predicted);
  return { ids: r.ids, importance: F.map((f) => f.map((v) => v * scale)), loss: r.loss };
}

/** `global` mask: one threshold on I_j / cost_j until the removed cost first reaches `budget` (weight scalars). */
export async function globalFisherMask(
  model: Model,
  windows: readonly number[][],
  budget: number,
  onProgress?: (done: number, total: number) => void,
  specs: readonly ModuleSpec[] = moduleSpecs(model.config, model.weights),
): Promise<RemovedMask> {
  const f = await fisherImportance(model, windows, onProgress, specs);
  const p = thresholdProjection(
    specs.map((s, m) => ({ scores: f.importance[m], costs: new Float64Array(s.units.length).fill(s.unitCost) })),
    budget,
  );
  const mask: RemovedMask = {};
  specs.forEach((s, m) => (mask[s.id] = p.removed[m]));
  return mask;
}
