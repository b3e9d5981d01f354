// RoPE row order between Hugging Face LLaMA checkpoints and the project. HF LLaMA q/k rows follow the
// rotate_half convention (rotated pairs (i, i + dh/2) of each head), ours the interleaved pairs (2i, 2i+1)
// of llama2.c; transformers' convert_llama_weights_to_hf.py `permute` maps ours to HF:
//   HF row h·dh + c·dh/2 + i  =  our row h·dh + 2i + c   (head h, pair i < dh/2, c ∈ {0, 1}),
// so both forwards give the same logits.
import { ModelConfig } from './config';

/**
 * Reorder the rows of a q or k weight (or bias: cols = 1) stored [rows = nHeads·dh, cols] between HF's
 * rotate_half order and our interleaved-pair order (see the file header). 'fromHf': HF → ours; 'toHf': the
 * inverse (transformers' `permute`). Returns a new array.
 */
export function permuteRopeRows(data: Float32Array, nHeads: number, dh: number, cols: number, direction: 'fromHf' | 'toHf'): Float32Array {
  if (dh % 2 !== 0) throw new Error(`permuteRopeRows: head dim ${dh} must be even`);
  if (data.length !== nHeads * dh * cols) throw new Error(`permuteRopeRows: ${data.length} values ≠ nHeads ${nHeads} · dh ${dh} · cols ${cols}`);
  const out = new Float32Array(data.length);
  const half = dh / 2;
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < half; i++) {
      for (let c = 0; c < 2; c++) {
        const ours = (h * dh + 2 * i + c) * cols;
        const hf = (h * dh + c * half + i) * cols;
        const [from, to] = direction === 'fromHf' ? [hf, ours] : [ours, hf];
        out.set(data.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/** Heads of a RoPE-permuted tensor (query heads for q, KV heads for k). */
export function ropeHeads(cfg: ModelConfig, which: 'q' | 'k'): number {
  return which === 'q' ? cfg.nHeads : cfg.nKvHeads;
}
