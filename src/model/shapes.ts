// Expected stored shapes of every weight, derived from the config (layout: hostTensor.ts). Used to
// validate anything loaded from disk.
import { ModelConfig, layerShape } from './config';
import { HostWeights } from './hostTensor';
import { ModelFormatError } from '../errors';
import { checkWeightValues } from './finite';

/** key → shape, for required keys; `optional` lists keys that may be absent. */
export function expectedShapes(cfg: ModelConfig): { required: Record<string, number[]>; optional: Record<string, number[]> } {
  const d = cfg.dModel;
  const e = cfg.embedDim ?? d;
  const dh = cfg.dHead;
  const req: Record<string, number[]> = { embed: [cfg.vocabSize, e] };
  const opt: Record<string, number[]> = { lm_head: [e, cfg.vocabSize], 'lm_head.bias': [cfg.vocabSize] };
  const layerNorm = cfg.norm === 'layer';
  if (cfg.positions === 'learned') req.pos_embed = [cfg.maxSeq + cfg.positionOffset, d];
  if (e !== d) {
    req.proj_in = [e, d];
    req.proj_out = [d, e];
  }
  (cfg.arch === 'opt' ? opt : req).norm_f = [d];
  if (layerNorm) (cfg.arch === 'opt' ? opt : req)['norm_f.bias'] = [d];
  for (let l = 0; l < cfg.nLayers; l++) {
    const s = layerShape(cfg, l);
    const p = `layers.${l}.`;
    const q = s.heads.length * dh;
    const kv = s.kvHeads.length * dh;
    const f = s.ffn.length;
    const add = (k: string, shape: number[], bias?: number) => {
      req[p + k] = shape;
      if (cfg.biases && bias !== undefined) req[p + k + '.bias'] = [bias];
    };
    req[p + 'attn_norm'] = [d];
    req[p + 'ffn_norm'] = [d];
    if (layerNorm) {
      req[p + 'attn_norm.bias'] = [d];
      req[p + 'ffn_norm.bias'] = [d];
    }
    add('attn.q', [d, q], q);
    add('attn.k', [d, kv], kv);
    add('attn.v', [d, kv], kv);
    add('attn.o', [q, d], d);
    if (cfg.activation === 'swiglu') {
      add('ffn.gate', [d, f]);
      add('ffn.up', [d, f]);
      add('ffn.down', [f, d]);
    } else {
      add('ffn.fc1', [d, f], f);
      add('ffn.fc2', [f, d], d);
    }
  }
  return { required: req, optional: opt };
}

/** Throw ModelFormatError (naming `file`, the key, both shapes) unless `w` matches `cfg` exactly. */
export function checkWeights(cfg: ModelConfig, w: HostWeights, file: string): void {
  const { required, optional } = expectedShapes(cfg);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  for (const [k, shape] of Object.entries(required)) {
    if (!w[k]) throw new ModelFormatError(file, `missing weight "${k}" (expected shape [${shape}])`);
    if (!same(w[k].shape, shape)) throw new ModelFormatError(file, `weight "${k}" has shape [${w[k].shape}], config says [${shape}]`);
  }
  for (const k of Object.keys(w)) {
    if (required[k]) continue;
    if (!optional[k]) throw new ModelFormatError(file, `unexpected weight "${k}" for this config`);
    if (!same(w[k].shape, optional[k])) throw new ModelFormatError(file, `weight "${k}" has shape [${w[k].shape}], config says [${optional[k]}]`);
  }
  for (const [k, t] of Object.entries(w)) checkWeightValues(file, k, t.data);
}
