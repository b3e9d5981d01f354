// Finalize a pruning decision (METHOD.md §4 "Finalize"): closed-form compensation of every module's down
// projection on its kept columns (+ the intercept fit for biased down projections), optionally in a
// sequential pass that recomputes each block's Gram matrices from the already-pruned prefix, then
// physical slicing.
import { Model } from '../model/model';
import { HostWeights } from '../model/hostTensor';
import { ModuleSpec, moduleSpecs } from './coupling';
import { ModuleGram, CalibrationStats, runBlockGrams, toGram } from './stats';
import { embedWindows, runBlock } from '../model/blockRunner';
import { RemovedMask, sliceModel } from './slice';
import { compensate } from './compensate';

export interface FinalizeOptions {
  /** Relative damping of the compensation (default 0.01). */
  damp?: number;
  /** Refit from the pruned prefix (needs `windows`); default false. */
  sequential?: boolean;
  /** Calibration windows (sequential mode). */
  windows?: readonly number[][];
  /** Skip the compensation (plain removal; biases are still folded). Default true = compensate. */
  compensate?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Hidden columns kept by a module under the mask. */
export function keptColumns(spec: ModuleSpec, removed: Uint8Array | undefined): number[] {
  const cols: number[] = [];
  spec.units.forEach((_, u) => {
    if (removed && removed[u]) return;
    for (let c = 0; c < spec.width; c++) cols.push(u * spec.width + c);
  });
  return cols;
}

/** Replace module `spec`'s down projection (and bias) in `w` by its compensated version. */
function compensateInto(w: HostWeights, spec: ModuleSpec, gram: ModuleGram, removed: Uint8Array | undefined, opts: FinalizeOptions): void {
  const W0 = w[spec.downKey];
  const [n, d] = W0.shape;
  const kept = keptColumns(spec, removed);
  const biasKey = spec.downKey + '.bias';
  const hasBias = !!w[biasKey];
  if (opts.compensate === false) {
    // Plain removal: zero removed rows; fold the removed units' mean contribution into the bias.
    const W = new Float32Array(n * d);
    for (const c of kept) W.set(W0.data.subarray(c * d, (c + 1) * d), c * d);
    w[spec.downKey] = { shape: [n, d], data: W };
    if (hasBias) {
      const keptSet = new Set(kept);
      const b = w[biasKey].data.slice();
      for (let j = 0; j < n; j++) {
        if (keptSet.has(j)) continue;
        const mu = gram.sum[j] / Math.max(1, gram.tokens);
        for (let c = 0; c < d; c++) b[c] += mu * W0.data[j * d + c];
      }
      w[biasKey] = { shape: [d], data: b };
    }
    return;
  }
  const r = compensate(W0.data, gram.H, n, d, kept, { damp: opts.damp, centre: hasBias ? { sum: gram.sum, tokens: gram.tokens } : undefined });
  w[spec.downKey] = { shape: [n, d], data: r.W };
  if (hasBias && r.biasDelta) {
    const b = w[biasKey].data.slice();
    for (let c = 0; c < d; c++) b[c] += r.biasDelta[c];
    w[biasKey] = { shape: [d], data: b };
  }
}

/** Compensate (from dense statistics, or sequentially) and slice. */
export async function finalizePruning(model: Model, stats: CalibrationStats, mask: RemovedMask, opts: FinalizeOptions = {}): Promise<Model> {
  const specs = moduleSpecs(model.config, model.weights);
  const w: HostWeights = { ...model.weights };
  if (!opts.sequential) {
    specs.forEach((spec, i) => {
      const gram = stats.grams.find((g) => g.id === spec.id);
      if (!gram) throw new Error(`no calibration statistics for ${spec.id}`);
      compensateInto(w, spec, gram, mask[spec.id], opts);
      opts.onProgress?.(i + 1, specs.length);
    });
    return sliceModel({ ...model, weights: w }, mask);
  }
  if (!opts.windows || opts.windows.length === 0) throw new Error('sequential finalize needs the calibration windows');
  const seqlen = opts.windows[0].length;
  const work: Model = { ...model, weights: w };
  let x = await embedWindows(model, opts.windows);
  for (let l = 0; l < model.config.nLayers; l++) {
    for (const kind of ['attn', 'ffn'] as const) {
      const spec = specs.find((s) => s.layer === l && s.kind === kind)!;
      const r = await runBlockGrams(work, l, x, seqlen);
      const acc = kind === 'attn' ? r.attn : r.ffn;
      compensateInto(w, spec, toGram(spec.id, l, kind, acc), mask[spec.id], opts);
    }
    x = await runBlock(work, l, x, seqlen);
    opts.onProgress?.(l + 1, model.config.nLayers);
  }
  return sliceModel(work, mask);
}
