// Physical slicing (and its "zero mode" twin) driven by the coupling table. A mask marks, for each module,
// which of its current units are removed (1) — positions follow ModuleSpec.units.
import { Model } from '../model/model';
import { HostWeights, HostTensor } from '../model/hostTensor';
import { LayerShape, gqaGroup, layerShape } from '../model/config';
import { COUPLING, ModuleSpec, SliceRef, moduleSpecs } from './coupling';

/** Per module id (`layers.{l}.ffn|attn`): 1 = unit removed, indexed like ModuleSpec.units. */
export type RemovedMask = Record<string, Uint8Array>;

/** Keep the given positions (each `width` wide) along one axis of a stored weight. */
function keepAlong(t: HostTensor, axis: SliceRef['axis'], keep: number[], width: number): HostTensor {
  if (axis === 'vec') {
    const out = new Float32Array(keep.length * width);
    keep.forEach((u, i) => out.set(t.data.subarray(u * width, (u + 1) * width), i * width));
    return { shape: [out.length], data: out };
  }
  const [rows, cols] = t.shape;
  if (axis === 'in') {
    const out = new Float32Array(keep.length * width * cols);
    keep.forEach((u, i) => out.set(t.data.subarray(u * width * cols, (u + 1) * width * cols), i * width * cols));
    return { shape: [keep.length * width, cols], data: out };
  }
  const nc = keep.length * width;
  const out = new Float32Array(rows * nc);
  for (let r = 0; r < rows; r++) {
    const src = r * cols;
    keep.forEach((u, i) => out.set(t.data.subarray(src + u * width, src + (u + 1) * width), r * nc + i * width));
  }
  return { shape: [rows, nc], data: out };
}

/** Zero the given positions along one axis (same shape). */
function zeroAlong(t: HostTensor, axis: SliceRef['axis'], drop: number[], width: number): HostTensor {
  const data = t.data.slice();
  if (axis === 'vec') for (const u of drop) data.fill(0, u * width, (u + 1) * width);
  else if (axis === 'in') {
    const cols = t.shape[1];
    for (const u of drop) data.fill(0, u * width * cols, (u + 1) * width * cols);
  } else {
    const [rows, cols] = t.shape;
    for (let r = 0; r < rows; r++) for (const u of drop) data.fill(0, r * cols + u * width, r * cols + (u + 1) * width);
  }
  return { shape: t.shape.slice(), data };
}

function positions(mask: Uint8Array, removed: boolean): number[] {
  const out: number[] = [];
  mask.forEach((v, i) => {
    if ((v === 1) === removed) out.push(i);
  });
  return out;
}

function checkMask(specs: readonly ModuleSpec[], mask: RemovedMask): void {
  for (const s of specs) {
    const m = mask[s.id];
    if (m && m.length !== s.units.length) throw new Error(`mask for ${s.id} has ${m.length} entries, the module has ${s.units.length} units`);
  }
  const ids = new Set(specs.map((s) => s.id));
  for (const k of Object.keys(mask)) if (!ids.has(k)) throw new Error(`mask names unknown module "${k}" (modules: layers.{l}.ffn|attn)`);
}

/** Remove the masked units physically: smaller dense matrices, per-layer widths in config.layers. */
export function sliceModel(model: Model, mask: RemovedMask, knownSpecs?: readonly ModuleSpec[]): Model {
  const cfg = model.config;
  const specs = knownSpecs ?? moduleSpecs(cfg, model.weights);
  checkMask(specs, mask);
  const w: HostWeights = { ...model.weights };
  const layers: LayerShape[] = [];
  const group = gqaGroup(cfg);
  for (let l = 0; l < cfg.nLayers; l++) {
    const old = layerShape(cfg, l);
    const shape: LayerShape = { ffn: old.ffn.slice(), heads: old.heads.slice(), kvHeads: old.kvHeads.slice() };
    for (const s of specs.filter((x) => x.layer === l)) {
      const m = mask[s.id] ?? new Uint8Array(s.units.length);
      const keep = positions(m, false);
      const c = COUPLING[cfg.arch][s.kind];
      const p = `layers.${l}.`;
      for (const r of c.unit) if (w[p + r.key]) w[p + r.key] = keepAlong(w[p + r.key], r.axis, keep, s.width);
      if (s.kind === 'ffn') {
        shape.ffn = keep.map((i) => s.units[i]);
      } else {
        shape.heads = keep.map((i) => s.units[i]);
        const keptKv = old.kvHeads.filter((kv) => shape.heads.some((h) => Math.floor(h / group) === kv));
        const kvPos = keptKv.map((kv) => old.kvHeads.indexOf(kv));
        for (const r of c.kv) if (w[p + r.key]) w[p + r.key] = keepAlong(w[p + r.key], r.axis, kvPos, s.width);
        shape.kvHeads = keptKv;
      }
    }
    layers.push(shape);
  }
  return { config: { ...cfg, layers }, weights: w, source: { ...model.source } };
}

/** "Zero mode": same shapes, the masked units' slices set to 0 (K/V of fully removed groups kept as is). */
export function zeroUnits(model: Model, mask: RemovedMask, knownSpecs?: readonly ModuleSpec[]): Model {
  const cfg = model.config;
  const specs = knownSpecs ?? moduleSpecs(cfg, model.weights);
  checkMask(specs, mask);
  const w: HostWeights = { ...model.weights };
  for (const s of specs) {
    const m = mask[s.id];
    if (!m) continue;
    const drop = positions(m, true);
    const p = `layers.${s.layer}.`;
    for (const r of COUPLING[cfg.arch][s.kind].unit) if (w[p + r.key]) w[p + r.key] = zeroAlong(w[p + r.key], r.axis, drop, s.width);
  }
  return { config: cfg, weights: w, source: { ...model.source } };
}

/** Count removed units per module and the removed unit cost. */
export function maskCost(
  specs: readonly ModuleSpec[],
  mask: RemovedMask,
): { removedCost: number; perModule: Record<string, { removed: number; units: number; sparsity: number }> } {
  let removedCost = 0;
  const perModule: Record<string, { removed: number; units: number; sparsity: number }> = {};
  for (const s of specs) {
    const m = mask[s.id];
    const removed = m ? m.reduce((a, v) => a + v, 0) : 0;
    removedCost += removed * s.unitCost;
    perModule[s.id] = { removed, units: s.units.length, sparsity: s.units.length ? removed / s.units.length : 0 };
  }
  return { removedCost, perModule };
}
