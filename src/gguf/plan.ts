// Which llama.cpp architecture a model maps to, and what each layer looks like in GGUF (docs/GGUF.md).
//
// llama.cpp constraints, each checked here before anything is written (a GGML_ASSERT aborts the whole
// process, so a file that trips one must never be produced):
// - arch `llama` builds every layer from one set of widths: used only when all layers have the same widths.
//   Per-layer widths use arch `deci` (llama.cpp's Llama-Nemotron NAS architecture) with per-layer arrays.
// - n_head % n_head_kv == 0 in every layer, and query head i reads KV head ⌊i / (n_head / n_head_kv)⌋.
//   A pruned GQA layer can keep uneven groups (e.g. 3 + 1 + 2 query heads on 3 KV heads). Two exact fixes,
//   combined: give every written KV head t query-head slots; a KV head with c query heads is written
//   ⌈c / t⌉ times (duplicated K/V rows) and its last copy's empty slots get zero query heads (zero Q rows and
//   zero output-projection columns: the head's scores are 0, its attention output is multiplied by 0, so it
//   adds exactly 0). t = gcd of the group sizes is pure duplication, t = the largest group pure padding; the
//   t that writes the fewest extra values (2·dh·d per duplicated KV head or zero query head) is chosen, the
//   smallest such t on a tie. KV heads with no query head left are dropped (they influence nothing).
// - A layer with zero FFN units hits a llama.cpp bug (its attention output is dropped; in the last layer it
//   aborts). Exact fix: one FFN unit whose gate, up and down weights are all zero (it adds exactly 0).
// - A layer with zero query heads is attention-free in `deci` (n_head = 0): no attention tensors, not even
//   attn_norm, may be written. Except layer 0: llama.cpp derives tensor shapes from layer 0's head count and
//   aborts (GGML_ASSERT(t_meta.ne[dim] >= 1)) when it is 0. Exact fix: one dummy head whose Q, K, V and
//   output weights are all zero (its attention output is exactly 0, so the residual passes unchanged).
import { Model } from '../model/model';
import { ModelConfig, layerShape, kvIndexOfHeads } from '../model/config';

/** How one layer is written. */
export interface GgufLayerPlan {
  /** Query heads written: the kept heads plus zero heads that pad uneven GQA groups. */
  nHead: number;
  /** For each written query head, its position among the model's kept heads of this layer; null: a zero head. */
  qSource: (number | null)[];
  /** KV heads written (after duplication); 0 for an attention-free layer. */
  nHeadKv: number;
  /** For each written KV head, its position among the model's kept KV heads of this layer. */
  kvSource: number[];
  /** FFN units written (≥ 1; 1 with zero weights when the model keeps none). */
  nFf: number;
  /** The model keeps no FFN unit here: a zero unit is written. */
  zeroFfn: boolean;
  /** Attention-free layer 0: one all-zero head is written (n_head = n_head_kv = 1). */
  zeroAttn: boolean;
  /** Human-readable workarounds applied to this layer (empty when written as is). */
  fixes: string[];
}

export interface GgufPlan {
  arch: 'llama' | 'deci';
  layers: GgufLayerPlan[];
}

export interface GgufPlanOptions {
  /**
   * Apply the exact workarounds above (default true). With false, a layer that needs one is refused
   * with an error naming it: nothing that would crash llama.cpp is ever planned.
   */
  fixups?: boolean;
}

/** Error for models that cannot be written as a GGUF llama.cpp can load; says why and what to do. */
export class GgufExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GgufExportError';
  }
}

/** Refuse what llama.cpp has no architecture for. */
export function checkSupported(cfg: ModelConfig): void {
  if (cfg.arch === 'opt') {
    throw new GgufExportError(
      'OPT models cannot be exported to GGUF: llama.cpp has no OPT architecture (learned positions, LayerNorm with biases, ReLU FFN with biases); keep them in the project format or as a Hugging Face checkpoint',
    );
  }
  const bad: string[] = [];
  if (cfg.activation !== 'swiglu') bad.push(`activation ${cfg.activation} (needs swiglu)`);
  if (cfg.norm !== 'rms') bad.push(`norm ${cfg.norm} (needs rms)`);
  if (cfg.positions !== 'rope') bad.push(`positions ${cfg.positions} (needs rope)`);
  if (cfg.biases) bad.push('linear biases');
  if (!cfg.preNorm) bad.push('post-norm blocks');
  if (cfg.embedDim !== undefined && cfg.embedDim !== cfg.dModel) bad.push(`embedDim ${cfg.embedDim} ≠ dModel`);
  if (cfg.dHead % 2 !== 0) bad.push(`odd head dim ${cfg.dHead}`);
  if (bad.length) throw new GgufExportError(`this LLaMA-architecture model cannot be written as a llama.cpp GGUF: ${bad.join(', ')}`);
}

/** Plan one layer (see the file header for the rules). */
export function planLayer(cfg: ModelConfig, l: number, fixups: boolean): GgufLayerPlan {
  const s = layerShape(cfg, l);
  const fixes: string[] = [];
  const refuse = (what: string, fix: string) => {
    throw new GgufExportError(`layer ${l}: ${what}, which crashes llama.cpp; the exact workaround (${fix}) is off (fixups: false)`);
  };
  const kept = s.heads.length;
  const kvSource: number[] = [];
  const qSource: (number | null)[] = [];
  if (kept > 0) {
    const kvOf = kvIndexOfHeads(cfg, s); // non-decreasing: kept heads are ascending
    const count = new Array<number>(s.kvHeads.length).fill(0);
    kvOf.forEach((j) => count[j]++);
    const groups = count.filter((c) => c > 0);
    const t = slotsPerKvHead(groups);
    let first = 0; // position of the KV head's first query head among the kept heads
    count.forEach((c, j) => {
      for (let copy = 0; copy * t < c; copy++) {
        kvSource.push(j);
        for (let slot = copy * t; slot < (copy + 1) * t; slot++) qSource.push(slot < c ? first + slot : null);
      }
      first += c;
    });
    const kvAsIs = kvSource.length === s.kvHeads.length && kvSource.every((j, i) => j === i);
    const zeros = qSource.length - kept;
    if (!kvAsIs || zeros > 0) {
      const how = [
        kvAsIs ? '' : `KV heads ${s.kvHeads.length} → ${kvSource.length}`,
        zeros ? `${zeros} zero query head${zeros > 1 ? 's' : ''} (query heads ${kept} → ${qSource.length})` : '',
      ]
        .filter(Boolean)
        .join(', ');
      const sizes = groups.join('+');
      if (!fixups) refuse(`query-head groups ${sizes} over ${s.kvHeads.length} KV heads are uneven (n_head % n_head_kv ≠ 0 or unused KV heads)`, how);
      fixes.push(`query-head groups ${sizes}: ${how}; each written KV head serves ${t} query head${t > 1 ? 's' : ''}`);
    }
  } else if (s.kvHeads.length > 0) {
    fixes.push(`${s.kvHeads.length} KV heads without query heads dropped`);
  }
  const zeroFfn = s.ffn.length === 0;
  if (zeroFfn) {
    if (!fixups) refuse('no FFN units', 'one FFN unit with zero weights');
    fixes.push('no FFN units: one zero unit written');
  }
  const zeroAttn = kept === 0 && l === 0;
  if (zeroAttn) {
    if (!fixups) refuse('no attention heads in the first layer', 'one attention head with zero weights');
    fixes.push('attention-free first layer: one zero head written');
  } else if (kept === 0) fixes.push('attention-free: no attention tensors');
  if (zeroAttn) return { nHead: 1, qSource: [], nHeadKv: 1, kvSource: [], nFf: zeroFfn ? 1 : s.ffn.length, zeroFfn, zeroAttn, fixes };
  return { nHead: qSource.length, qSource, nHeadKv: kvSource.length, kvSource, nFf: zeroFfn ? 1 : s.ffn.length, zeroFfn, zeroAttn, fixes };
}

/**
 * Query-head slots t per written KV head for group sizes `groups` (all ≥ 1): the t in [1, max] whose
 * Σ (⌈c/t⌉ − 1) duplicated KV heads + Σ (⌈c/t⌉·t − c) zero query heads is smallest, the smallest t on a tie
 * (t = gcd of the sizes costs only the duplicates, and costs 0 when the groups are already even).
 */
export function slotsPerKvHead(groups: readonly number[]): number {
  let best = 1;
  let bestCost = Infinity;
  for (let t = 1; t <= Math.max(...groups); t++) {
    let cost = 0;
    for (const c of groups) {
      const copies = Math.ceil(c / t);
      cost += copies - 1 + (copies * t - c);
    }
    if (cost < bestCost) [best, bestCost] = [t, cost];
  }
  return best;
}

/** Plan the whole model: arch `llama` when every layer is written with the same widths, else `deci`. */
export function planGguf(model: Model, opts: GgufPlanOptions = {}): GgufPlan {
  const cfg = model.config;
  checkSupported(cfg);
  const layers = Array.from({ length: cfg.nLayers }, (_, l) => planLayer(cfg, l, opts.fixups ?? true));
  const first = layers[0];
  const uniform = layers.every((p) => p.nHead === first.nHead && p.nHeadKv === first.nHeadKv && p.nFf === first.nFf && p.nHead > 0 && !p.zeroAttn);
  return { arch: uniform ? 'llama' : 'deci', layers };
}
