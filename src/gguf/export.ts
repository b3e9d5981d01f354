// Export a dense or pruned LLaMA-architecture model as a GGUF v3 file for llama.cpp (docs/GGUF.md).
// Tensor names and layouts as llama.cpp's converters write them: a linear layer y = x W is stored as
// W[out][in] row-major (ggml dims [in, out]); the project keeps W[in, out], so matrices are transposed.
// RoPE: the project's weights rotate interleaved pairs (llama2.c), which is llama.cpp's "normal" rope of
// `llama`/`deci`: no Q/K permutation.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoadedModel } from '../model/codec';
import { Model } from '../model/model';
import { HostTensor, transpose2d } from '../model/hostTensor';
import { GgufTensor, GgufValue, GgufDtype, gv, writeGguf } from './format';
import { GgufPlan, GgufLayerPlan, GgufExportError, planGguf } from './plan';
import { ggufVocab, vocabMetadata } from './tokenizer';

export interface GgufExportOptions {
  /** Tensor storage type (default 'f32'); 'f16' rounds to nearest, ties to even (norm vectors stay F32, as llama.cpp's converters do). */
  dtype?: 'f32' | 'f16';
  /** Replace an existing file (default false: refuse). */
  force?: boolean;
  /** Apply the exact llama.cpp workarounds (default true; see plan.ts); false refuses layers that need one. */
  fixups?: boolean;
  /** `general.name` (default: the model's source name). */
  name?: string;
}

export interface GgufExportResult {
  file: string;
  bytes: number;
  arch: 'llama' | 'deci';
  dtype: 'f32' | 'f16';
  tensors: number;
  /** Values written (KV-head duplicates, zero query heads and zero units included; the tied LM head counted once). */
  params: number;
  /** Workarounds applied, per layer ("layer 3: …"). */
  fixes: string[];
}

/** Rows `rows` of a row-major [n, cols] matrix, concatenated; a null row is zeros. */
function pickRows(data: Float32Array, cols: number, rows: (number | null)[]): Float32Array {
  const out = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (r !== null) out.set(data.subarray(r * cols, (r + 1) * cols), i * cols);
  });
  return out;
}

/** The dh rows of each head in `heads` (positions; null: a zero head). */
function headRows(heads: (number | null)[], dh: number): (number | null)[] {
  return heads.flatMap((h) => Array.from({ length: dh }, (_, i) => (h === null ? null : h * dh + i)));
}

/** The model's architecture metadata (`{arch}.*` keys); per-layer arrays for `deci`. */
export function archMetadata(model: Model, plan: GgufPlan): Record<string, GgufValue> {
  const c = model.config;
  const a = plan.arch;
  const perLayer = (f: (p: GgufLayerPlan) => number) => (a === 'llama' ? gv.u32(f(plan.layers[0])) : gv.arr('i32', plan.layers.map(f)));
  return {
    [`${a}.context_length`]: gv.u32(c.maxSeq),
    [`${a}.embedding_length`]: gv.u32(c.dModel),
    [`${a}.block_count`]: gv.u32(c.nLayers),
    [`${a}.feed_forward_length`]: perLayer((p) => p.nFf),
    [`${a}.attention.head_count`]: perLayer((p) => p.nHead),
    [`${a}.attention.head_count_kv`]: perLayer((p) => p.nHeadKv),
    [`${a}.attention.key_length`]: gv.u32(c.dHead),
    [`${a}.attention.value_length`]: gv.u32(c.dHead),
    [`${a}.rope.dimension_count`]: gv.u32(c.dHead),
    [`${a}.rope.freq_base`]: gv.f32(c.ropeTheta),
    [`${a}.attention.layer_norm_rms_epsilon`]: gv.f32(c.normEps),
    [`${a}.vocab_size`]: gv.u32(c.vocabSize),
  };
}

/** Every tensor, in llama.cpp's names and layouts. */
export function ggufTensors(model: Model, plan: GgufPlan, dtype: GgufDtype): GgufTensor[] {
  const c = model.config;
  const w = model.weights;
  const d = c.dModel;
  const dh = c.dHead;
  const get = (k: string): HostTensor => {
    const t = w[k];
    if (!t) throw new GgufExportError(`weight "${k}" is missing from the model`);
    return t;
  };
  const out: GgufTensor[] = [];
  const vec = (name: string, k: string) => out.push({ name, dims: [d], dtype: 'F32', data: get(k).data });
  /** A linear layer stored [in, out] → ggml dims [in, out] with [out][in] rows. */
  const lin = (name: string, t: HostTensor) => {
    const [inn, o] = t.shape;
    out.push({ name, dims: [inn, o], dtype, data: transpose2d(t.data, inn, o) });
  };
  out.push({ name: 'token_embd.weight', dims: [d, c.vocabSize], dtype, data: get('embed').data });
  plan.layers.forEach((p, l) => {
    const k = (s: string) => `layers.${l}.${s}`;
    const b = `blk.${l}.`;
    if (p.zeroAttn) {
      // one head contributing exactly 0 (see plan.ts: llama.cpp needs heads in layer 0)
      out.push({ name: b + 'attn_norm.weight', dims: [d], dtype: 'F32', data: new Float32Array(d).fill(1) });
      for (const name of ['attn_q', 'attn_k', 'attn_v']) out.push({ name: `${b}${name}.weight`, dims: [d, dh], dtype, data: new Float32Array(d * dh) });
      out.push({ name: b + 'attn_output.weight', dims: [dh, d], dtype, data: new Float32Array(d * dh) });
    } else if (p.nHead > 0) {
      vec(b + 'attn_norm.weight', k('attn_norm'));
      // Query heads: transposed rows are [head][dh][d], written in plan order (zero rows pad uneven groups).
      const q = get(k('attn.q'));
      out.push({
        name: b + 'attn_q.weight',
        dims: [d, p.nHead * dh],
        dtype,
        data: pickRows(transpose2d(q.data, q.shape[0], q.shape[1]), d, headRows(p.qSource, dh)),
      });
      // KV heads: likewise, in plan order (duplicates for uneven groups)
      const rows = headRows(p.kvSource, dh);
      for (const [name, key] of [
        ['attn_k', 'attn.k'],
        ['attn_v', 'attn.v'],
      ] as const) {
        const t = get(k(key));
        const T = transpose2d(t.data, t.shape[0], t.shape[1]);
        out.push({ name: `${b}${name}.weight`, dims: [d, p.nHeadKv * dh], dtype, data: pickRows(T, d, rows) });
      }
      // Output projection: the stored [heads·dh, d] rows per head (zero rows for zero heads), then transposed.
      const o = get(k('attn.o'));
      out.push({
        name: b + 'attn_output.weight',
        dims: [p.nHead * dh, d],
        dtype,
        data: transpose2d(pickRows(o.data, d, headRows(p.qSource, dh)), p.nHead * dh, d),
      });
    }
    vec(b + 'ffn_norm.weight', k('ffn_norm'));
    if (p.zeroFfn) {
      // one unit contributing exactly 0: silu(0)·0 through a zero down column
      out.push({ name: b + 'ffn_gate.weight', dims: [d, 1], dtype, data: new Float32Array(d) });
      out.push({ name: b + 'ffn_up.weight', dims: [d, 1], dtype, data: new Float32Array(d) });
      out.push({ name: b + 'ffn_down.weight', dims: [1, d], dtype, data: new Float32Array(d) });
    } else {
      lin(b + 'ffn_gate.weight', get(k('ffn.gate')));
      lin(b + 'ffn_up.weight', get(k('ffn.up')));
      lin(b + 'ffn_down.weight', get(k('ffn.down')));
    }
  });
  vec('output_norm.weight', 'norm_f');
  if (w.lm_head) lin('output.weight', w.lm_head); // tied: llama.cpp reuses token_embd
  return out;
}

/** Plan, metadata and tensors of a model (no file written): what exportGguf writes. */
export function ggufContents(loaded: LoadedModel, opts: GgufExportOptions = {}): { plan: GgufPlan; kv: Record<string, GgufValue>; tensors: GgufTensor[] } {
  const { model } = loaded;
  const dtype = opts.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') throw new GgufExportError(`dtype must be "f32" or "f16", got ${JSON.stringify(dtype)}`);
  const plan = planGguf(model, { fixups: opts.fixups });
  const vocab = ggufVocab(loaded.tokenizerSource, model.config.vocabSize, { bosId: model.config.bosId, eosId: model.config.eosId });
  const kv: Record<string, GgufValue> = {
    'general.architecture': gv.str(plan.arch),
    'general.name': gv.str(opts.name ?? model.source.name),
    'general.file_type': gv.u32(dtype === 'f32' ? 0 : 1),
    'general.alignment': gv.u32(32),
    ...archMetadata(model, plan),
    ...vocabMetadata(vocab),
  };
  return { plan, kv, tensors: ggufTensors(model, plan, dtype === 'f32' ? 'F32' : 'F16') };
}

/**
 * Write `loaded` as a GGUF file at `file` (atomically). Refuses an existing file unless `force`, the
 * model's own source file, OPT and other non-LLaMA architectures, and tokenizers GGUF cannot express.
 */
export function exportGguf(loaded: LoadedModel, file: string, opts: GgufExportOptions = {}): GgufExportResult {
  const abs = path.resolve(file);
  const src = loaded.model.source.path;
  if (src && path.resolve(src) === abs) throw new GgufExportError(`${file} is the input model itself: choose another output file`);
  if (fs.existsSync(abs)) {
    if (fs.statSync(abs).isDirectory()) throw new GgufExportError(`${file} is a directory: give a file name ending in .gguf`);
    if (!opts.force) throw new GgufExportError(`${file} exists: refusing to overwrite it (set the option force to replace it)`);
  }
  const { plan, kv, tensors } = ggufContents(loaded, opts);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const bytes = writeGguf(abs, kv, tensors);
  const fixes = plan.layers.flatMap((p, l) => p.fixes.map((f) => `layer ${l}: ${f}`));
  const params = tensors.reduce((a, t) => a + t.data.length, 0);
  return { file: abs, bytes, arch: plan.arch, dtype: opts.dtype ?? 'f32', tensors: tensors.length, params, fixes };
}
