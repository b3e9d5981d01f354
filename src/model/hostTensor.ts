// Host-side weights. Layout, stated once: a matrix of a linear layer y = x W (+ b) is stored as
// W[in, out] row-major (the transpose of PyTorch's [out, in] in files), so the wasm fast path
// matMul(x[T, in], W[in, out]) needs no transpose. Embeddings are [vocab, d]; vectors are [n].
//
// Keys: `embed`, `pos_embed` (OPT), `layers.{l}.attn_norm`, `layers.{l}.attn.q|k|v|o`,
// `layers.{l}.ffn_norm`, `layers.{l}.ffn.gate|up|down` (LLaMA) or `layers.{l}.ffn.fc1|fc2` (OPT),
// `norm_f`, `lm_head` (absent when tied), `proj_in`/`proj_out` (OPT-350M); biases end in `.bias`.

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export type HostWeights = Record<string, HostTensor>;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Transpose a row-major [rows, cols] matrix. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const ro = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = data[ro + j];
  }
  return out;
}

/** Total number of scalars in a weight record. */
export function countParams(w: HostWeights): number {
  let n = 0;
  for (const k of Object.keys(w)) n += w[k].data.length;
  return n;
}
