// Loader for llama2.c legacy fp32 checkpoints (Karpathy's run.c "version 0" format), layout in
// shared/datasets/README.md: int32×7 header, then float32 arrays, matrices [out][in].
// Browser-safe (no node imports): reading the file from disk is llama2c.ts.
import { ModelConfig, validateConfig } from './config';
import { checkWeightValues } from './finite';
import { HostWeights, transpose2d } from './hostTensor';
import { ModelFormatError } from '../errors';

const HEADER = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'] as const;
/** Sanity bound on every header field: larger values mean a corrupt or foreign file. */
const MAX_FIELD = 1 << 20;

/** Parse a llama2.c checkpoint from bytes. Throws ModelFormatError naming `file` on any inconsistency. */
export function parseLlama2c(buf: Uint8Array, file: string): { config: ModelConfig; weights: HostWeights } {
  if (buf.byteLength < 28) throw new ModelFormatError(file, `too short for a llama2.c header (${buf.byteLength} bytes, need 28)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const h: Record<(typeof HEADER)[number], number> = {} as never;
  HEADER.forEach((k, i) => (h[k] = dv.getInt32(i * 4, true)));
  const shared = h.vocab_size > 0;
  const vocab = Math.abs(h.vocab_size);
  for (const k of HEADER) {
    const v = k === 'vocab_size' ? vocab : h[k];
    if (!(v > 0 && v <= MAX_FIELD)) throw new ModelFormatError(file, `bad header: ${k}=${h[k]} (expected 1..${MAX_FIELD})`);
  }
  const { dim, hidden_dim: hidden, n_layers: L, n_heads: nh, n_kv_heads: nkv, seq_len: seq } = h;
  if (dim % nh !== 0) throw new ModelFormatError(file, `bad header: dim ${dim} not divisible by n_heads ${nh}`);
  if (nh % nkv !== 0) throw new ModelFormatError(file, `bad header: n_heads ${nh} not divisible by n_kv_heads ${nkv}`);
  const hs = dim / nh;
  const sizes: [string, number][] = [
    ['token_embedding', vocab * dim],
    ['rms_att', L * dim],
    ['wq', L * dim * nh * hs],
    ['wk', L * dim * nkv * hs],
    ['wv', L * dim * nkv * hs],
    ['wo', L * nh * hs * dim],
    ['rms_ffn', L * dim],
    ['w1', L * hidden * dim],
    ['w2', L * dim * hidden],
    ['w3', L * hidden * dim],
    ['rms_final', dim],
    ['freq_cis', seq * hs], // two legacy RoPE tables of seq·hs/2 floats: skipped
  ];
  if (!shared) sizes.push(['wcls', vocab * dim]);
  const floats = sizes.reduce((a, [, n]) => a + n, 0);
  const expected = 28 + 4 * floats;
  if (buf.byteLength !== expected) {
    throw new ModelFormatError(
      file,
      `size ${buf.byteLength} bytes does not match its header (dim ${dim}, hidden ${hidden}, layers ${L}, heads ${nh}/${nkv}, vocab ${h.vocab_size}, seq ${seq}) which needs ${expected} bytes: ${buf.byteLength < expected ? 'truncated' : 'trailing data'}`,
    );
  }
  // Copy once into an aligned Float32Array (the file offset 28 is 4-aligned, the Buffer's may not be).
  const all = new Float32Array(floats);
  new Uint8Array(all.buffer).set(buf.subarray(28, expected));
  let off = 0;
  const arrays: Record<string, Float32Array> = {};
  for (const [name, n] of sizes) {
    const a = all.subarray(off, off + n);
    off += n;
    if (name === 'freq_cis') continue;
    checkWeightValues(file, name, a);
    arrays[name] = a;
  }
  const config: ModelConfig = {
    arch: 'llama',
    dModel: dim,
    nLayers: L,
    nHeads: nh,
    nKvHeads: nkv,
    dHead: hs,
    dFF: hidden,
    vocabSize: vocab,
    maxSeq: seq,
    normEps: 1e-5,
    ropeTheta: 10000,
    activation: 'swiglu',
    norm: 'rms',
    biases: false,
    tiedEmbeddings: shared,
    positions: 'rope',
    positionOffset: 0,
    preNorm: true,
    bosId: 1,
    eosId: 2,
  };
  validateConfig(config);
  const w: HostWeights = {};
  w.embed = { shape: [vocab, dim], data: arrays.token_embedding.slice() };
  // [out][in] per layer → stored [in, out]
  const mat = (name: string, l: number, out: number, inn: number) => ({
    shape: [inn, out],
    data: transpose2d(arrays[name].subarray(l * out * inn, (l + 1) * out * inn), out, inn),
  });
  for (let l = 0; l < L; l++) {
    const p = `layers.${l}.`;
    w[p + 'attn_norm'] = { shape: [dim], data: arrays.rms_att.slice(l * dim, (l + 1) * dim) };
    w[p + 'attn.q'] = mat('wq', l, nh * hs, dim);
    w[p + 'attn.k'] = mat('wk', l, nkv * hs, dim);
    w[p + 'attn.v'] = mat('wv', l, nkv * hs, dim);
    w[p + 'attn.o'] = mat('wo', l, dim, nh * hs);
    w[p + 'ffn_norm'] = { shape: [dim], data: arrays.rms_ffn.slice(l * dim, (l + 1) * dim) };
    w[p + 'ffn.gate'] = mat('w1', l, hidden, dim);
    w[p + 'ffn.down'] = mat('w2', l, dim, hidden);
    w[p + 'ffn.up'] = mat('w3', l, hidden, dim);
  }
  w.norm_f = { shape: [dim], data: arrays.rms_final.slice() };
  if (!shared) w.lm_head = { shape: [dim, vocab], data: transpose2d(arrays.wcls, vocab, dim) };
  return { config, weights: w };
}
