// Structured units, declared as data (METHOD.md §1). A unit is a set of weight slices removed together;
// costs, budgets and slicing are all derived from COUPLING, never written twice.
//
// Stored layout (hostTensor.ts): matrices are [in, out]. A slice is named by the weight key (inside a
// block), the axis it cuts ('out' = columns of [in, out], 'in' = rows, 'vec' = a bias vector), and the
// width of one unit along that axis (1 for an FFN neuron, dHead for a head).
import { ModelConfig, gqaGroup, layerShape } from '../model/config';
import { HostWeights } from '../model/hostTensor';

export type ModuleKind = 'ffn' | 'attn';
export interface SliceRef {
  key: string;
  axis: 'in' | 'out' | 'vec';
}
export interface ModuleCoupling {
  /** Slices owned by one unit (FFN neuron or query head). */
  unit: SliceRef[];
  /** Slices of a KV head (attention only): removed once every query head sharing it is gone. */
  kv: SliceRef[];
  /** The module's down projection P_m (its rows in stored layout are the unit columns of P). */
  down: string;
}

/** An attention head: the same slices in both architectures (LLaMA simply has no biases). */
const ATTENTION: ModuleCoupling = {
  unit: [
    { key: 'attn.q', axis: 'out' },
    { key: 'attn.q.bias', axis: 'vec' },
    { key: 'attn.o', axis: 'in' },
  ],
  kv: [
    { key: 'attn.k', axis: 'out' },
    { key: 'attn.k.bias', axis: 'vec' },
    { key: 'attn.v', axis: 'out' },
    { key: 'attn.v.bias', axis: 'vec' },
  ],
  down: 'attn.o',
};

/** The coupling table. Keys missing from a model (e.g. biases of LLaMA) are skipped. */
export const COUPLING: Record<ModelConfig['arch'], Record<ModuleKind, ModuleCoupling>> = {
  llama: {
    ffn: {
      unit: [
        { key: 'ffn.gate', axis: 'out' },
        { key: 'ffn.up', axis: 'out' },
        { key: 'ffn.down', axis: 'in' },
      ],
      kv: [],
      down: 'ffn.down',
    },
    attn: ATTENTION,
  },
  opt: {
    ffn: {
      unit: [
        { key: 'ffn.fc1', axis: 'out' },
        { key: 'ffn.fc1.bias', axis: 'vec' },
        { key: 'ffn.fc2', axis: 'in' },
      ],
      kv: [],
      down: 'ffn.fc2',
    },
    attn: ATTENTION,
  },
};

/** One prunable module of the current model. */
export interface ModuleSpec {
  /** `layers.{l}.ffn` or `layers.{l}.attn`. */
  id: string;
  layer: number;
  kind: ModuleKind;
  /** Units present now (original indices). */
  units: number[];
  /** Hidden columns per unit: 1 (FFN) or dHead (attention). */
  width: number;
  /** Scalars owned by one unit (its cost). With no GQA sharing (group 1) a head also owns its K/V slices. */
  unitCost: number;
  /** Scalars of one KV head (shared by `group` query heads; 0 for FFN). */
  kvCost: number;
  /** Full key of P_m. */
  downKey: string;
}

function sliceCost(w: HostWeights, key: string, ref: SliceRef, width: number): number {
  const t = w[key];
  if (!t) return 0;
  if (ref.axis === 'vec') return width;
  const other = ref.axis === 'in' ? t.shape[1] : t.shape[0];
  return width * other;
}

/** The prunable modules of a model, FFN and attention of every block, in block order (attn, ffn). */
export function moduleSpecs(cfg: ModelConfig, w: HostWeights): ModuleSpec[] {
  const out: ModuleSpec[] = [];
  const table = COUPLING[cfg.arch];
  const group = gqaGroup(cfg);
  for (let l = 0; l < cfg.nLayers; l++) {
    const shape = layerShape(cfg, l);
    for (const kind of ['attn', 'ffn'] as const) {
      const c = table[kind];
      const width = kind === 'ffn' ? 1 : cfg.dHead;
      const p = `layers.${l}.`;
      let unitCost = c.unit.reduce((a, r) => a + sliceCost(w, p + r.key, r, width), 0);
      const kvCost = c.kv.reduce((a, r) => a + sliceCost(w, p + r.key, r, width), 0);
      if (kind === 'attn' && group === 1) unitCost += kvCost;
      out.push({
        id: `${p}${kind}`,
        layer: l,
        kind,
        width,
        unitCost,
        kvCost: group === 1 ? 0 : kvCost,
        units: kind === 'ffn' ? shape.ffn.slice() : shape.heads.slice(),
        downKey: p + c.down,
      });
    }
  }
  return out;
}

/** Scalars in all prunable slices (units + shared KV heads): the denominator of the parameter sparsity. */
export function prunableParams(cfg: ModelConfig, w: HostWeights): number {
  let n = 0;
  for (const m of moduleSpecs(cfg, w)) {
    n += m.units.length * m.unitCost;
    if (m.kind === 'attn' && m.kvCost > 0) n += layerShape(cfg, m.layer).kvHeads.length * m.kvCost;
  }
  return n;
}

/** Total unit cost (the budget base: B = s · totalUnitCost). */
export function totalUnitCost(specs: readonly ModuleSpec[]): number {
  return specs.reduce((a, m) => a + m.units.length * m.unitCost, 0);
}
